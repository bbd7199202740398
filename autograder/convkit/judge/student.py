"""The student as the hidden checks see it: requests in, decoded plain data out, failures as exceptions.

Two transports share this interface: `InProcessStudent` (for `pytest --impl` against trusted files such as the
reference) and the sandboxed worker of `convkit.judge.session`. Both go through the same JSON encoding, so a check
behaves the same on either.
"""

from __future__ import annotations

import ast
import json
import math
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from ..questions import BY_SYMBOL
from ..worker import probes
from ..worker.codec import decode, encode, encode_tensor
from ..worker.protocol import (
    ERROR_CHARS,
    KINDS_MAX,
    MESSAGE_CHARS,
    NAME_CHARS,
    OPERATOR_CHARS,
    REACHED_MAX,
    TMP_BYTES,
    TMP_FILES,
    Limits,
    Op,
    Status,
    Substitute,
    Watch,
    WireError,
)
from ..worker.protocol import Call as CallRequest
from ..worker.protocol import Layer as LayerRequest
from . import oracle
from .effects import SYMBOLS
from .errors import GraderError, MissingSymbol, NotImplementedYet, StudentRaised, WorkerFailed
from .jobs import read_job
from .values import shape_text

if TYPE_CHECKING:
    from .checks import Check
    from .results import CheckResult

MB = 1 << 20
FILE_TOO_LARGE = re.compile(r"File size limit exceeded|SIGXFSZ|File too large")
"""What an exception says once a file reached the worker's size limit (RLIMIT_FSIZE): a program it started was
killed for it (the signal described, as a shell or gcc says, or named, as subprocess says), or a write of its
own failed (EFBIG)."""


def raise_for_status(reply: dict[str, Any], limits: Limits | None = None) -> Any:
    """The one place where a worker's reply becomes the value it carries, or the submission's failure; `limits`
    are the worker's, for the message when it ran into one (None in-process, where there are none)."""
    status = reply.get("status")
    error = str(reply.get("error", ""))[:ERROR_CHARS]
    if status == Status.OK:
        return reply.get("value")
    if status == Status.NOT_IMPLEMENTED:
        raise NotImplementedYet("not implemented yet (it raises NotImplementedError)")
    if status == Status.MISSING:
        raise MissingSymbol(f"{error}: define it with exactly this name")
    if status == Status.RAISED:
        failure = student_raised(reply)
        reached = _limit_reached(failure.message, limits)
        if reached is None:
            raise failure
        reason, limit = reached
        raise StudentRaised(f"{failure.detail} ({limit})", reason=reason, kinds=failure.kinds, message=failure.message)
    if status == Status.TOO_LARGE:
        size, limit = reply.get("size"), reply.get("limit")
        if type(size) is int and type(limit) is int:
            raise WorkerFailed(
                f"the reply was too large ({size / MB:.1f} MB, the limit is {limit / MB:.0f} MB)", reason="the reply was too large"
            )
    raise WorkerFailed(f"the worker broke the protocol (a reply with status {str(status)[:40]!r})", reason="broke the protocol")


def _limit_reached(message: str, limits: Limits | None) -> tuple[str, str] | None:
    """The sandbox's limit on files that an exception's message shows was reached, if any: (reason, the limit in
    words)."""
    if "No space left on device" in message:
        tmp_mb = (TMP_BYTES if limits is None else limits.tmp_bytes) / MB
        return "wrote too many temporary files", f"wrote more than {tmp_mb:.0f} MB (or {TMP_FILES} files) of temporary files, the limit"
    if limits is not None and FILE_TOO_LARGE.search(message):
        size = f"{limits.output_bytes >> 10} KB"
        return (
            "wrote too large a file",
            f"a file reached {size}, the sandbox's limit for one; torch.compile's C++ compiler writes larger ones",
        )
    return None


def student_raised(record: dict[str, Any]) -> StudentRaised:
    """The failure for an exception of the student's code, from the worker's record of it (`RaisedRecord`), each
    field checked: the worker's replies are data its student code could have shaped."""
    error = _text(record.get("error"))[:ERROR_CHARS]
    kinds = record.get("kinds")
    listed = kinds[:KINDS_MAX] if type(kinds) is list else []
    pairs = tuple((item[0][:NAME_CHARS], item[1][:NAME_CHARS]) for item in listed if _is_pair(item))
    reason = f"raised {pairs[0][1][:60]}" if pairs else None
    failure = StudentRaised(f"raised {error}", reason=reason, kinds=pairs, message=_text(record.get("message"))[:MESSAGE_CHARS])
    failure.inside = _inside(record.get("inside"))
    return failure


def _inside(value: object) -> tuple[str, dict[str, tuple[int, ...] | None]] | None:
    """A record's `inside` (`protocol.Inside`), checked: the substituted function by name and what it was given."""
    if type(value) is not dict or type(value.get("function")) is not str or type(value.get("arguments")) is not dict:
        return None
    arguments: dict[str, tuple[int, ...] | None] = {}
    for name, shape in list(value["arguments"].items())[:8]:
        sizes = shape if type(shape) is list and len(shape) <= 8 and all(type(n) is int and 0 <= n < 10**9 for n in shape) else None
        arguments[str(name)[:NAME_CHARS]] = None if sizes is None else tuple(sizes)
    return value["function"][:NAME_CHARS], arguments


def misused(error: StudentRaised, caller: str) -> StudentRaised:
    """`error`, where it came out of the grader's code for an earlier question, told as what the student's
    `caller` gave that code: the shapes it passed, and the named dimensions of the question that do not agree
    (`Question.shapes`); else `error` as it is."""
    if error.inside is None or error.inside[0] not in BY_SYMBOL:
        return error
    function, arguments = error.inside
    shapes = BY_SYMBOL[function].shapes
    given = {name: shape for name, shape in arguments.items() if shape is not None}
    if not given:
        return error
    problems, sizes = [], {}
    for name, dims in shapes.items():
        shape = given.get(name)
        if shape is None:
            continue
        if len(shape) != len(dims):
            problems.append(f"{name} has {len(shape)} axes where {function} takes {len(dims)} ({', '.join(dims)})")
            continue
        for symbol, size in zip(dims, shape, strict=True):
            sizes.setdefault(symbol, []).append((name, size))
    for symbol, seen in sizes.items():
        if len({size for _, size in seen}) > 1:
            (a, n_a), (b, n_b) = seen[0], next(item for item in seen if item[1] != seen[0][1])
            problems.append(f"{b} has {n_b} {SYMBOLS.get(symbol, symbol)} where {a} has {n_a} ({symbol}: they must agree)")
    passed = " and ".join(f"{name} of shape {shape_text(shape)}" for name, shape in given.items())
    seen_ = f"your {caller} called the grader's {function} (the correct one, for an earlier question) with {passed}"
    told = error.told(f"{seen_}; it {error.detail}")
    told.effect = f"{seen_}: {'; '.join(problems)}" if problems else f"{seen_}, which it cannot take"
    return told


def _is_pair(item: object) -> bool:
    return type(item) is list and len(item) == 2 and all(type(part) is str for part in item)


def _text(value: object) -> str:
    return value if type(value) is str else ""


@dataclass(frozen=True)
class Call:
    """What came back from calling a student function: all of it rebuilt by the judge."""

    result: Any
    inputs_after: list[Any]
    grads: list[torch.Tensor | None] | None = None
    grad_error: str | None = None


@dataclass(frozen=True)
class LayerProbe:
    is_module: bool
    type_name: str
    parameters: dict[str, tuple[tuple[int, ...], bool]]
    output: Any
    again: Any
    """The output of a second forward on the same input."""
    grads: list[torch.Tensor | None] | None
    grad_error: str | None
    forward_error: StudentRaised | None
    """What the forward pass raised, if it did."""
    x_after: Any = None
    """The input x as forward left it, only where it changed (as a call's `inputs_after`)."""


@cache
def substitutes_source(symbols: tuple[str, ...]) -> str:
    """The oracle's source cut down to `symbols` and their helpers: a worker never holds a correct version of
    the question it is being graded on (nor of any later one), not even in memory."""
    others = set(oracle.BY_SYMBOL) - set(symbols)
    kept = []
    for node in ast.parse(Path(oracle.__file__).read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in others:
            continue
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "BY_SYMBOL" for t in node.targets):
            continue
        kept.append(node)
    return ast.unparse(ast.Module(body=kept, type_ignores=[]))


def substitution(symbols: tuple[str, ...]) -> Substitute:
    return {"op": Op.SUBSTITUTE, "seq": 0, "symbols": list(symbols), "source": substitutes_source(symbols)}


def watching(operators: frozenset[str]) -> Watch:
    return {"op": Op.WATCH, "seq": 0, "operators": sorted(operators)}


def reached(reply: dict[str, Any], watched: frozenset[str]) -> frozenset[str]:
    """The operators of `watched` that a worker's reply says its student code reached. The record
    is the student's process's, so its code could forge it: it can only hide calls that way, or own
    up to some, so anything but a list of watched names (the first `REACHED_MAX`) is dropped."""
    listed = reply.get("reached")
    if type(listed) is not list:
        return frozenset()
    names = [name for name in listed[:REACHED_MAX] if type(name) is str]
    return watched.intersection(name for name in names if len(name) <= OPERATOR_CHARS)


class Student(ABC):
    """Checks call `call`/`layer`; transports implement `request`."""

    explain = True
    """Whether a failure is explained with further calls (the smallest failing input, probes); verdicts do not
    depend on it."""

    def time_to_explain(self, until: float = math.inf) -> bool:
        """Whether explaining a failure may spend more time: before the monotonic `until`, and, in a sandbox,
        while the submission's time allows (never the checks' share)."""
        return time.monotonic() < until

    def known_result(self, check_: Check, seed: int) -> CheckResult | None:
        """Called before a check runs: a transport may ask the check's cases ahead, and return its result when
        the replies are those of an earlier run (`convkit.judge.plans`), so it need not run."""
        return None

    def finish_check(self, result: CheckResult) -> None:
        """Called after a check ran, with its result: a transport may keep it (`convkit.judge.plans`)."""
        return None

    @abstractmethod
    def request(self, request: Substitute | CallRequest | LayerRequest) -> Any:
        """Send one request (its `seq` is the transport's to set) and return the reply's value; raise a
        `Failed` subclass for the submission's failures and a `GraderError` subclass for the grader's."""

    def substitute(self, symbols: tuple[str, ...]) -> None:
        if symbols:
            self.request(substitution(symbols))

    def call(
        self,
        name: str,
        *args: Any,
        grad_args: tuple[int, ...] = (),
        grad_output: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> Call:
        request: CallRequest = {
            "op": Op.CALL,
            "seq": 0,
            "name": name,
            "args": [encode(arg) for arg in args],
            "kwargs": {key: encode(arg) for key, arg in kwargs.items()},
            "grad_args": list(grad_args),
        }
        if grad_output is not None:
            request["grad_output"] = encode_tensor(grad_output)  # type: ignore[typeddict-item]
        try:
            value = _expect_dict(self.request(request))
        except StudentRaised as error:
            raise misused(error, name) from None
        with _malformed_reply():
            return Call(
                result=decode(value.get("result")),
                inputs_after=[decode(item) for item in _expect_list(value.get("inputs_after", []))],
                grads=_decode_grads(value.get("grads")),
                grad_error=_optional_text(value.get("grad_error")),
            )

    def layer(
        self,
        name: str,
        kernel_size: tuple[int, int],
        x: torch.Tensor,
        grad_output: torch.Tensor,
        weight: torch.Tensor | None = None,
        bias: torch.Tensor | None = None,
    ) -> LayerProbe:
        request: LayerRequest = {
            "op": Op.LAYER,
            "seq": 0,
            "name": name,
            "kernel_size": list(kernel_size),
            "x": encode_tensor(x),  # type: ignore[typeddict-item]
            "grad_output": encode_tensor(grad_output),  # type: ignore[typeddict-item]
        }
        if weight is not None:
            request["weight"] = encode_tensor(weight)  # type: ignore[typeddict-item]
        if bias is not None:
            request["bias"] = encode_tensor(bias)  # type: ignore[typeddict-item]
        value = _expect_dict(self.request(request))
        with _malformed_reply():
            parameters = {}
            for entry in _expect_list(value.get("parameters", [])):
                name_, shape, requires_grad = _expect_list(entry)
                parameters[str(name_)] = (tuple(int(n) for n in _expect_list(shape)), bool(requires_grad))
            return LayerProbe(
                is_module=value.get("module") is True,
                type_name=str(value.get("type", ""))[:100],
                parameters=parameters,
                output=decode(value.get("result")),
                again=decode(value.get("again")),
                grads=_decode_grads(value.get("grads")),
                grad_error=_optional_text(value.get("grad_error")),
                forward_error=None if value.get("forward_error") is None else misused(student_raised(_expect_dict(value["forward_error"])), f"{name}.forward"),
                x_after=decode(value.get("x_after")),
            )


@contextmanager
def _malformed_reply() -> Iterator[None]:
    """Anything off in a reply's value is the submission's doing (its code runs in the worker)."""
    try:
        yield
    except (WireError, ValueError, TypeError) as exc:
        raise WorkerFailed(f"the worker's reply was malformed ({str(exc)[:100]})", reason="a malformed reply") from None


def _expect_dict(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        raise WorkerFailed("the worker's reply was malformed", reason="a malformed reply")
    return value


def _expect_list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise WireError("expected a list")
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else str(value)[:300]


def _decode_grads(value: Any) -> list[torch.Tensor | None] | None:
    if value is None:
        return None
    grads = [None if item is None else decode(item) for item in _expect_list(value)]
    if any(grad is not None and type(grad) is not torch.Tensor for grad in grads):
        raise WireError("a gradient is not a tensor")
    return grads


class InProcessStudent(Student):
    """Runs a trusted submission in this process (the reference, the kit's own test submissions): for
    `pytest --impl` and quick checks. Its cells are read as grading reads them; a cell that raises is noted."""

    def __init__(self, path: Path, explain: bool = True) -> None:
        self.explain = explain
        submission = read_job(0, path).submission()
        if submission.error is not None:
            raise GraderError(f"{path.name} cannot be read: {submission.error}")
        self.namespace = probes.new_namespace()
        cells = [cell.source for cell in submission.cells]
        places = [cell.place for cell in submission.cells]
        replies = probes.run_cells(self.namespace, cells, places, submission.file, skip=set())
        raised = [reply for reply in replies if reply["status"] != Status.OK]
        self.notes = [f"{submission.label(r['cell'])} raised {r.get('error')}" for r in raised]

    def request(self, request: Substitute | CallRequest | LayerRequest) -> Any:
        return answer_in_process(self.namespace, request)


def answer_in_process(namespace: dict[str, Any], request: Substitute | CallRequest | LayerRequest) -> Any:
    """A request answered by trusted code in `namespace`, through the JSON a worker's request and reply go
    through, so that it behaves as a sandboxed worker would."""
    wire_request = json.loads(json.dumps(request))
    return raise_for_status(json.loads(json.dumps(probes.handle(namespace, wire_request))))
