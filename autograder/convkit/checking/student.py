"""The student as the hidden checks see it: requests in, decoded plain data out, failures as
exceptions.

Two transports share this interface: `InProcessStudent` (for `pytest --impl` against trusted files
such as the reference) and the sandboxed worker of `convkit.sandbox.session`. Both go through the
same JSON encoding, so a check behaves the same on either.
"""

from __future__ import annotations

import ast
import json
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from convkit.checking.effects import SYMBOLS
from convkit.checking.values import shape_text
from convkit.errors import (
    InternalError,
    MissingSymbol,
    NotImplementedYet,
    StudentRaised,
    WorkerFailed,
    said,
)
from convkit.exercises import oracle
from convkit.exercises.questions import BY_SYMBOL
from convkit.worker import probes
from convkit.worker.codec import (
    INT_BOUND,
    MAX_DIMS,
    MAX_SEQUENCE_ITEMS,
    decode,
    encode,
    encode_tensor,
)
from convkit.worker.protocol import (
    DETACHED,
    ERROR_CHARS,
    KINDS_MAX,
    MAX_FRAME_BYTES,
    MAX_PARAMETERS,
    MESSAGE_CHARS,
    NAME_CHARS,
    OPERATOR_CHARS,
    REACHED_MAX,
    Call,
    Layer,
    Op,
    Status,
    Substitute,
    TensorData,
    Watch,
    WireError,
)

if TYPE_CHECKING:
    from convkit.checking.checks import Check
    from convkit.results import CheckResult

MB = 1 << 20
REPLY_FACTOR = 64
REPLY_FLOOR = 1 << 16
"""A reply's tensors may hold REPLY_FACTOR times the entries of its request's tensors, or
REPLY_FLOOR whatever the request (`_within`)."""


def _sent(tensor: torch.Tensor) -> TensorData:
    """A tensor of the check's own as a request carries it; InternalError where it cannot travel
    whole (a dtype, layout or size a worker would not rebuild), which a check never asks."""
    data = encode_tensor(tensor)
    if data["kind"] != "tensor":
        raise InternalError(f"a check's tensor cannot be sent to the worker: {data['type']}")
    return data


def raise_for_status(reply: dict[str, Any]) -> Any:
    """The one place where a worker's reply becomes the value it carries, or the submission's
    failure. An exception's words are the student's: no cause is read into them."""
    status = reply.get("status")
    if status == Status.OK:
        return reply.get("value")
    if status == Status.NOT_IMPLEMENTED:
        raise NotImplementedYet("not implemented yet (it raises NotImplementedError)")
    if status == Status.MISSING:
        # the caller names what is missing (`Student._reply_to`), never the reply's words
        raise MissingSymbol("not defined: define it with exactly this name")
    if status == Status.RAISED:
        raise student_raised(reply)
    if status == Status.TOO_LARGE:
        size = reply.get("size")  # as the worker says; the limit is the judge's own
        if type(size) is int and MAX_FRAME_BYTES < size < INT_BOUND:
            limit = f"the limit is {MAX_FRAME_BYTES // MB} MB"
            told = f"the reply was too large ({size / MB:.1f} MB, {limit})"
            raise WorkerFailed(told, reason="the reply was too large")
    unknown = "the worker broke the protocol (a reply of an unknown status)"
    raise WorkerFailed(unknown, reason="broke the protocol")


def student_raised(record: dict[str, Any]) -> StudentRaised:
    """The failure for an exception of the student's code, from the worker's record of it
    (`RaisedRecord`), each field checked: the worker's replies are data its student code could have
    shaped."""
    kinds = record.get("kinds")
    listed = kinds[:KINDS_MAX] if type(kinds) is list else []
    pairs = tuple((item[0][:NAME_CHARS], item[1][:NAME_CHARS]) for item in listed if _is_pair(item))
    message = _text(record.get("message"))[:MESSAGE_CHARS]
    failure = StudentRaised(_text(record.get("error"))[:ERROR_CHARS], kinds=pairs, message=message)
    failure.inside = _inside(record.get("inside"))
    return failure


def _inside(value: object) -> tuple[str, dict[str, tuple[int, ...] | None]] | None:
    """A record's `inside` (`protocol.Inside`), checked: the substituted function by name and what
    it was given."""
    if (
        type(value) is not dict
        or type(value.get("function")) is not str
        or type(value.get("arguments")) is not dict
    ):
        return None
    arguments: dict[str, tuple[int, ...] | None] = {}
    for name, shape in list(value["arguments"].items())[:8]:
        sizes = (
            shape
            if type(shape) is list
            and len(shape) <= 8
            and all(type(n) is int and 0 <= n < 10**9 for n in shape)
            else None
        )
        arguments[str(name)[:NAME_CHARS]] = None if sizes is None else tuple(sizes)
    return value["function"][:NAME_CHARS], arguments


def misused(error: StudentRaised, caller: str) -> StudentRaised:
    """`error`, where it came out of the grader's code for an earlier question, told as what the
    student's `caller` gave that code: the shapes it passed, and the named dimensions of the
    question that do not agree (`Question.shapes`); else `error` as it is."""
    if error.inside is None or error.inside[0] not in BY_SYMBOL:
        return error
    function, arguments = error.inside
    shapes = BY_SYMBOL[function].shapes
    given = {name: shape for name, shape in arguments.items() if shape is not None}
    if not given:
        return error
    problems: list[str] = []
    sizes: dict[str, list[tuple[str, int]]] = {}
    for name, dims in shapes.items():
        shape = given.get(name)
        if shape is None:
            continue
        if len(shape) != len(dims):
            problems.append(
                f"{name} has {len(shape)} axes where {function} takes {len(dims)} "
                f"({', '.join(dims)})"
            )
            continue
        for symbol, size in zip(dims, shape, strict=True):
            sizes.setdefault(symbol, []).append((name, size))
    for symbol, seen in sizes.items():
        if len({size for _, size in seen}) > 1:
            (a, n_a), (b, n_b) = seen[0], next(item for item in seen if item[1] != seen[0][1])
            problems.append(
                f"{b} has {n_b} {SYMBOLS.get(symbol, symbol)} where {a} has {n_a} ({symbol}: "
                "they must agree)"
            )
    passed = " and ".join(f"{name} of shape {shape_text(shape)}" for name, shape in given.items())
    seen_ = (
        f"your {caller} called the grader's {function} (the correct one, for an earlier "
        f"question) with {passed}"
    )
    told = error.told(seen_)
    told.effect = (
        f"{seen_}: {'; '.join(problems)}" if problems else f"{seen_}, which it cannot take"
    )
    return told


def _is_pair(item: object) -> bool:
    return type(item) is list and len(item) == 2 and all(type(part) is str for part in item)


def _text(value: object) -> str:
    return value if type(value) is str else ""


@dataclass(frozen=True)
class Answered:
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
    """The oracle's source cut down to `symbols` and their helpers: a worker never holds a correct
    version of the question it is being graded on (nor of any later one), not even in memory."""
    others = set(oracle.BY_SYMBOL) - set(symbols)
    kept = []
    for node in ast.parse(Path(oracle.__file__).read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name in others:
            continue
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "BY_SYMBOL" for t in node.targets
        ):
            continue
        kept.append(node)
    return ast.unparse(ast.Module(body=kept, type_ignores=[]))


def substitution(symbols: tuple[str, ...]) -> Substitute:
    return {
        "op": Op.SUBSTITUTE,
        "seq": 0,
        "symbols": list(symbols),
        "source": substitutes_source(symbols),
    }


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
    """Whether a failure is explained with further calls (the smallest failing input, probes);
    verdicts do not depend on it."""

    def time_to_explain(self, until: float = math.inf) -> bool:
        """Whether explaining a failure may spend more time: before the monotonic `until`, and, in a
        sandbox, while the submission's time allows (never the checks' share)."""
        return time.monotonic() < until

    def known_result(self, check_: Check, seed: int) -> CheckResult | None:
        """Called before a check runs: a transport may ask the check's cases ahead, and return its
        result when the replies are those of an earlier run (`convkit.sandbox.replay`), so it need
        not run."""
        return None

    def finish_check(self, result: CheckResult) -> None:
        """Called after a check ran, with its result: a transport may keep it
        (`convkit.sandbox.replay`)."""
        return None

    @abstractmethod
    def request(self, request: Substitute | Call | Layer) -> Any:
        """Send one request (its `seq` is the transport's to set) and return the reply's value;
        raise a `Failed` subclass for the submission's failures and a `GraderError` subclass for the
        grader's."""

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
    ) -> Answered:
        request: Call = {
            "op": Op.CALL,
            "seq": 0,
            "name": name,
            "args": [encode(arg) for arg in args],
            "kwargs": {key: encode(arg) for key, arg in kwargs.items()},
            "grad_args": list(grad_args),
        }
        if grad_output is not None:
            request["grad_output"] = _sent(grad_output)
        try:
            sent, reply = _entries([*args, *kwargs.values(), grad_output]), self._reply_to(request)
        except StudentRaised as error:
            raise misused(error, name) from None
        with _malformed_reply():
            value = _expect_dict(reply)
            call = Answered(
                result=decode(value.get("result")),
                inputs_after=_decode_all(value.get("inputs_after", []), len(args)),
                grads=_decode_grads(value.get("grads"), len(grad_args)),
                grad_error=_grad_error(value.get("grad_error")),
            )
            _within(sent, call.result, call.inputs_after, call.grads)
            return call

    def layer(
        self,
        name: str,
        kernel_size: tuple[int, int],
        x: torch.Tensor,
        grad_output: torch.Tensor,
        weight: torch.Tensor | None = None,
        bias: torch.Tensor | None = None,
    ) -> LayerProbe:
        request: Layer = {
            "op": Op.LAYER,
            "seq": 0,
            "name": name,
            "kernel_size": list(kernel_size),
            "x": _sent(x),
            "grad_output": _sent(grad_output),
        }
        if weight is not None:
            request["weight"] = _sent(weight)
        if bias is not None:
            request["bias"] = _sent(bias)
        sent, reply = _entries([x, grad_output, weight, bias]), self._reply_to(request)
        with _malformed_reply():
            value = _expect_dict(reply)
            raised = value.get("forward_error")
            layer = LayerProbe(
                is_module=value.get("module") is True,
                type_name=_optional_text(value.get("type")) or "",
                parameters=_parameters(value.get("parameters", [])),
                output=decode(value.get("result")),
                again=decode(value.get("again")),
                grads=_decode_grads(value.get("grads"), 2),
                grad_error=_grad_error(value.get("grad_error")),
                forward_error=None
                if raised is None
                else misused(student_raised(_expect_dict(raised)), f"{name}.forward"),
                x_after=decode(value.get("x_after")),
            )
            _within(sent, layer.output, layer.again, layer.grads, layer.x_after)
            return layer

    def _reply_to(self, request: Call | Layer) -> Any:
        """`request`'s reply value. A MISSING reply is told with the name the judge asked for,
        never with the reply's own words."""
        try:
            return self.request(request)
        except MissingSymbol:
            told = f"`{request['name']}` is not defined: define it with exactly this name"
            raise MissingSymbol(told) from None


@contextmanager
def _malformed_reply() -> Iterator[None]:
    """The one boundary where a reply's value becomes the values a check sees. Anything raised
    while rebuilding and validating it is the submission's doing (its code runs in the worker,
    and may write the reply itself), so it fails the check as a malformed reply. What leaves
    this boundary is well-formed (`convkit.worker.codec`), as an honest worker's replies are:
    an exception a check raises on it later is the check's own bug, the grader's fault."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - any exception while rebuilding hostile data
        # the judge's words only: a WireError's, or the exception's class, never the reply's text
        why = str(exc)[:100] if isinstance(exc, WireError) else type(exc).__name__
        told = f"the worker's reply was malformed ({why})"
        raise WorkerFailed(told, reason="a malformed reply") from None


def _expect_dict(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        raise WireError("expected an object")
    return value


def _expect_list(value: Any, most: int = MAX_SEQUENCE_ITEMS) -> list[Any]:
    if type(value) is not list or len(value) > most:
        raise WireError(f"expected a list of at most {most} items")
    return value


def _optional_text(value: Any) -> str | None:
    if value is not None and type(value) is not str:
        raise WireError("expected a str")
    return value if value is None else value[:ERROR_CHARS]


def _grad_error(value: Any) -> str | None:
    """Why no gradient came back: DETACHED, or what backward raised, told as the student's words."""
    text = _optional_text(value)
    return text if text is None or text == DETACHED else said("", text)


def _parameters(value: Any) -> dict[str, tuple[tuple[int, ...], bool]]:
    """A layer's parameters as the worker lists them: [name, shape, requires_grad] each."""
    parameters = {}
    for entry in _expect_list(value, MAX_PARAMETERS):
        if type(entry) is not list or len(entry) != 3:
            raise WireError("a malformed parameter")
        name, shape, requires_grad = entry
        sizes = _expect_list(shape, MAX_DIMS)
        if type(name) is not str or type(requires_grad) is not bool:
            raise WireError("a malformed parameter")
        if any(type(n) is not int or not 0 <= n < INT_BOUND for n in sizes):
            raise WireError("a malformed parameter shape")
        parameters[name[:NAME_CHARS]] = (tuple(sizes), requires_grad)
    return parameters


def _decode_all(value: Any, most: int) -> list[Any]:
    return [decode(item) for item in _expect_list(value, most)]


def _decode_grads(value: Any, count: int) -> list[torch.Tensor | None] | None:
    """None, or one gradient (a tensor, or None) for each of the `count` leaves asked about."""
    if value is None:
        return None
    grads = _decode_all(value, count)
    if len(grads) != count or any(type(grad) not in (torch.Tensor, type(None)) for grad in grads):
        raise WireError(f"expected {count} gradients, each a tensor or none")
    return grads


def _entries(values: Any) -> int:
    """How many entries the tensors in `values` (nested in tuples and lists) hold."""
    if type(values) is torch.Tensor:
        return values.numel()
    if type(values) in (tuple, list):
        return sum(_entries(item) for item in values)
    return 0


def _within(sent: int, *values: Any) -> None:
    """Refuse a reply whose tensors hold more than REPLY_FACTOR times the entries the request
    sent (and more than REPLY_FLOOR): no answer to these exercises comes near it, and each entry
    costs the judge time."""
    got, most = _entries(values), max(REPLY_FLOOR, REPLY_FACTOR * sent)
    if got > most:
        raise WireError(f"{got} entries in reply to a request of {sent}: at most {most}")


def answer_in_process(namespace: dict[str, Any], request: Substitute | Call | Layer) -> Any:
    """A request answered by trusted code in `namespace`, through the JSON a worker's request and
    reply go through, so that it behaves as a sandboxed worker would."""
    wire_request = json.loads(json.dumps(request))
    return raise_for_status(json.loads(json.dumps(probes.handle(namespace, wire_request))))
