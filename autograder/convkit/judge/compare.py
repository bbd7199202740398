"""Comparing a student's answer with the oracle's, and saying what went wrong: the named bug first, then the
smallest failing input the judge could find, with expected and actual values.

A suite declares each function it checks once, as a `Function` (its parameters, the named dimensions of its
tensor inputs, its oracle and its bug signatures), and checks calls with `expect_call`. When a call fails, the
judge names the bug the output matches, then shrinks the input (dimensions cut to one entry, to half, or one
shorter, then small integers), calling the worker again within a budget, and shows the smallest input that still
fails the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from . import bugs as signatures
from . import memo
from .bugs import SQUARE, Bug, Probe
from .errors import CheckFailed, Failed, StudentRaised, WorkerFailed
from .results import Shown
from .student import Student
from .values import bound, close, describe, first_wrong, max_error, num, plain, shape_text

SHRINK_CALLS = 30
SHRINK_SECONDS = 15.0
"""A safety valve for very slow code only: shrinking is bounded by its number of calls, so that the input shown
does not depend on the machine's speed or load (normal code makes its 30 calls in well under a second)."""


@dataclass(frozen=True)
class Mismatch:
    """How an answer differs from the expected one: `reason` without data (to group by), `detail` with it."""

    reason: str
    detail: str
    first_wrong: tuple[tuple[int, ...], float, float] | None = None
    bug: str | None = None
    """What is wrong when the kind of value says it already (a list of tensors, an integer dtype)."""


def compare(value: Any, expected: torch.Tensor, tol: float = 1e-4, floating: bool = True) -> Mismatch | None:
    """None when `value` is exactly a torch.Tensor of the expected shape and values (within `tol`, relative to
    the expected values' scale); else how it differs."""
    if type(value) is not torch.Tensor:
        listed = type(value) in (list, tuple) and bool(value) and all(type(item) is torch.Tensor for item in value)
        bug = "the result is a Python list of tensors: combine them into one tensor with torch.stack(..., 0)" if listed else None
        return Mismatch("not a tensor", f"expected a torch.Tensor, got {describe(value)}", bug=bug)
    if floating and not value.is_floating_point():
        dtype = str(value.dtype).replace("torch.", "")
        bug = "the result has an integer dtype, taken from the inputs: create the output as floats (torch.zeros) or use .float()"
        return Mismatch("not a floating-point tensor", f"expected a floating-point tensor, got dtype {dtype}", bug=bug)
    if value.shape != expected.shape:
        actual, wanted = tuple(value.shape), tuple(expected.shape)
        return Mismatch("wrong shape", f"expected shape {shape_text(wanted)}, got {shape_text(actual)}{shape_hint(actual, wanted)}")
    if close(value, expected, tol):
        return None
    return Mismatch(
        "wrong values",
        f"the shape is right but the values are not: max error {num(max_error(value, expected))} (a correct answer is off by at most {num(bound(expected, tol))})",
        first_wrong(value, expected, tol),
    )


def shape_hint(actual: tuple[int, ...], expected: tuple[int, ...]) -> str:
    if len(actual) != len(expected):
        return f" ({len(actual)} dimensions instead of {len(expected)})"
    if sorted(actual) == sorted(expected) and len(actual) >= 2:
        return " (the dimensions are in the wrong order)"
    words = {0: "row", 1: "column"} if len(actual) == 2 else {len(actual) - 2: "row", len(actual) - 1: "column"}
    hints = []
    for axis, noun in words.items():
        gap = actual[axis] - expected[axis]
        if gap:
            amount = "one" if abs(gap) == 1 else str(abs(gap))
            plural = "" if abs(gap) == 1 else "s"
            hints.append(f"{amount} {noun}{plural} {'short' if gap < 0 else 'too many'}")
    return f": the output is {' and '.join(hints)}" if hints else ""


@dataclass(frozen=True)
class Function:
    """A student function as the checks see it: declared once per suite."""

    symbol: str
    parameters: tuple[str, ...]
    """Positional parameters, in order; tensors among them may be shrunk."""
    oracle: Callable[..., torch.Tensor]
    dims: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Named dimensions of the tensor parameters: one name shared by two tensors (the channels of X and K) shrinks
    in both at once."""
    keywords: tuple[str, ...] = ()
    """Parameters passed by keyword (padding, stride, mode)."""
    bugs: tuple[Bug, ...] = ()
    probes: tuple[Probe, ...] = (SQUARE,)
    """Asked (one more call each) when no signature names the failure."""
    tol: float = 1e-4
    floating: bool = True

    def arguments(self, inputs: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """The call's positional and keyword arguments, for the oracle and the student alike."""
        return [inputs[name] for name in self.parameters], {k: inputs[k] for k in self.keywords if k in inputs}

    def call_text(self, inputs: Mapping[str, Any]) -> str:
        """`corr2d_pad_stride(X, K, padding=(1, 2), stride=2)`: tensors by name, other values as written."""
        shown = [name if type(inputs[name]) is torch.Tensor else repr(inputs[name]) for name in self.parameters]
        shown += [f"{name}={inputs[name]!r}" for name in self.keywords if name in inputs]
        return f"{self.symbol}({', '.join(shown)})"


@dataclass
class Attempt:
    """One call of the student's function on `inputs`, judged."""

    inputs: dict[str, Any]
    expected: torch.Tensor
    value: Any = None
    mismatch: Mismatch | None = None
    modified: str | None = None
    bug: Bug | str | None = None

    @property
    def failed(self) -> bool:
        return self.mismatch is not None or self.modified is not None

    @property
    def signature(self) -> tuple[str | None, str | None, Bug | None]:
        """What a smaller input must reproduce to count as failing the same way."""
        return (self.mismatch and self.mismatch.reason, self.modified, self.bug)


def attempt(student: Student, function: Function, inputs: dict[str, Any], name_bug: bool = True) -> Attempt:
    """Call and judge once; the student's exceptions propagate (with a named cause when a signature matches).
    `name_bug=False` leaves matching the signatures to the caller (`name_the_bug`), which may not need it."""
    expected = expected_answer(function, inputs)
    tensors = [name for name in function.parameters if type(inputs[name]) is torch.Tensor]
    args, keywords = function.arguments(inputs)
    try:
        call = student.call(function.symbol, *args, **keywords)
    except StudentRaised as error:
        raise signatures.explained(error, function.bugs, function.call_text(inputs)) from None
    judged = Attempt(inputs, expected, call.result)
    for name, after in zip(tensors, call.inputs_after, strict=False):
        if changed(after, inputs[name]):
            judged.modified = name
    judged.mismatch = compare(call.result, expected, function.tol, function.floating)
    if judged.mismatch is not None:
        judged.bug = judged.mismatch.bug
        if name_bug:
            name_the_bug(judged, function)
    return judged


NOT_AN_INPUT = (RuntimeError, ValueError, IndexError, TypeError)
"""What the oracle raises on inputs that are not valid (a kernel larger than its picture, a negative size)."""


def expected_answer(function: Function, inputs: dict[str, Any]) -> torch.Tensor:
    """The oracle's answer on `inputs` (cached by their content, refusals too); raises NOT_AN_INPUT where they
    are not a valid input."""
    args, keywords = function.arguments(inputs)
    return memo.computed((function.oracle, function.parameters, function.keywords), inputs, lambda: function.oracle(*args, **keywords), NOT_AN_INPUT)


def name_the_bug(judged: Attempt, function: Function, wanted: Bug | str | None = None) -> None:
    """Set the bug a wrong shape or wrong values match, from the function's signatures (specific ones only).
    Given the bug the caller `wanted`, the signatures after it are not tried: the result may then differ from the
    full search only where neither is `wanted`."""
    if judged.mismatch is not None and judged.mismatch.reason in ("wrong shape", "wrong values"):
        bugs = function.bugs[: function.bugs.index(wanted) + 1] if isinstance(wanted, Bug) and wanted in function.bugs else function.bugs
        judged.bug = signatures.named(judged.value, judged.expected, bugs, judged.inputs, function.tol, generic=False)


def expect_call(student: Student, function: Function, **inputs: Any) -> Any:
    """Fail the check unless the student's function answers like the oracle on `inputs` and leaves them
    unchanged; the failure names the bug and shows the smallest input that fails the same way."""
    try:
        first = attempt(student, function, inputs)
    except StudentRaised as error:
        if error.bug is None and student.explain:
            error.bug = probe(student, function, inputs)
        raise
    if not first.failed:
        return first.value
    smallest = shrink(student, function, first) if student.explain else first
    if smallest.bug is None and smallest.modified is None:
        smallest.bug = (probe(student, function, smallest.inputs) if student.explain else None) or signatures.named(
            smallest.value, smallest.expected, (), smallest.inputs, function.tol
        )
    raise failure(function, smallest, shrunk=smallest is not first)


def probe(student: Student, function: Function, inputs: dict[str, Any]) -> str | None:
    """Why the call fails, by the first probe whose simpler input passes (one more call per probe)."""
    for question in function.probes:
        try:
            simpler = question.simplify(inputs, dict(function.dims))
            if simpler is not None and not attempt(student, function, simpler).failed:
                return str(question)
        except WorkerFailed:
            return None
        except (Failed, *NOT_AN_INPUT):  # it fails otherwise, or the simpler input is not valid
            continue
    return None


def failure(function: Function, judged: Attempt, shrunk: bool) -> CheckFailed:
    call = function.call_text(judged.inputs)
    bug = str(judged.bug) if judged.bug else None
    if judged.modified is not None:
        detail, reason = f"{call}: the input {judged.modified} was modified in place", "modified its input"
        bug = f"an input is modified in place: work on a copy ({judged.modified}.clone()) or with operations that return new tensors"
    else:
        assert judged.mismatch is not None
        detail, reason = f"{call}: {judged.mismatch.detail}", judged.mismatch.reason
    shown = Shown(
        call=call,
        inputs=tuple((name, plain(value)) for name, value in judged.inputs.items() if type(value) is torch.Tensor),
        expected=plain(judged.expected),
        actual=plain(judged.value),
        first_wrong=judged.mismatch.first_wrong if judged.mismatch else None,
        shrunk=shrunk,
    )
    return CheckFailed(detail, reason=reason, bug=bug, shown=shown)


def shrink(student: Student, function: Function, failed: Attempt) -> Attempt:
    """The smallest input found that fails the same way as `failed`, within SHRINK_CALLS calls of the student's
    function (and the safety valves: SHRINK_SECONDS, and half the submission's time kept for its checks).
    Candidates the oracle rejects, or that were tried already, cost no call."""
    deadline, calls = time.monotonic() + SHRINK_SECONDS, SHRINK_CALLS
    current = failed
    tried: set[Any] = set()
    candidates: Iterator[dict[str, Any]] = smaller(current.inputs, function.dims)
    while calls > 0 and student.time_to_explain(until=deadline):
        candidate = next(candidates, None)
        if candidate is None:
            break
        key = memo.content_key(candidate)
        if key is not None and key in tried:
            continue
        tried.add(key)
        try:
            expected_answer(function, candidate)
        except NOT_AN_INPUT:
            continue  # not a valid input for the oracle
        calls -= 1
        try:
            judged = attempt(student, function, candidate, name_bug=False)
        except WorkerFailed:
            break  # a crash or a timeout: stop asking, keep what was found
        except Failed:
            continue  # a different failure
        if not judged.failed or judged.signature[:2] != current.signature[:2]:
            continue  # it passes, or fails in another way: the signatures need not be tried
        name_the_bug(judged, function, wanted=current.bug)
        if judged.signature == current.signature:
            current = judged
            candidates = smaller(current.inputs, function.dims)
    return current


def smaller(inputs: dict[str, Any], dims: Mapping[str, tuple[str, ...]]) -> Iterator[dict[str, Any]]:
    """Smaller variants of a case, most promising first: a named dimension cut to its first or last entry, then
    to its first or last half, then one shorter (in every tensor that has it; the longest dimensions first),
    then the values as small integers. Big cuts first: most bugs show on tiny inputs, and each cut that keeps
    the failure saves the calls of the small steps it skips."""
    sizes: dict[str, int] = {}
    for name, symbols in dims.items():
        for axis, symbol in enumerate(symbols):
            sizes[symbol] = max(sizes.get(symbol, 0), int(inputs[name].shape[axis]))
    for symbol, size in sorted(sizes.items(), key=lambda item: -item[1]):
        for length in sorted(n for n in {1, (size + 1) // 2, size - 1} if 0 < n < size):
            for keep in (slice(0, length), slice(size - length, size)):
                yield {name: _narrow(value, dims.get(name, ()), symbol, keep) for name, value in inputs.items()}
    floats = [name for name in dims if inputs[name].is_floating_point() and inputs[name].numel()]
    for simplify in (torch.sign, lambda t: torch.round(3 * t / max(float(t.abs().max()), 1e-12)), torch.round):
        simpler = {name: simplify(inputs[name]) for name in floats}
        if floats and any(not torch.equal(simpler[name], inputs[name]) for name in floats):
            yield {**inputs, **simpler}


def _narrow(value: Any, symbols: tuple[str, ...], symbol: str, keep: slice) -> Any:
    for axis, name in enumerate(symbols):
        if name == symbol:
            value = value.narrow(axis, keep.start, keep.stop - keep.start).contiguous()
    return value


def changed(after: Any, before: torch.Tensor) -> bool:
    """Whether a tensor argument came back from a call other than it was sent. The worker sends back only what
    it saw change (None otherwise); what it cannot send as a tensor (a dtype of the call's own) changed too."""
    if after is None:
        return False
    return type(after) is not torch.Tensor or after.shape != before.shape or not torch.equal(after, before)


def expect_inputs_unchanged(inputs_after: list[Any], sent: Mapping[str, torch.Tensor], where: str) -> None:
    for (name, before), after in zip(sent.items(), inputs_after, strict=False):
        if changed(after, before):
            raise CheckFailed(f"{where}: the input {name} was modified in place; work on a copy", reason="modified its input")


def expect_tensor(
    value: Any, expected: torch.Tensor, *, where: str, bugs: tuple[Bug, ...] = (), inputs: dict[str, Any] | None = None, tol: float = 1e-4
) -> torch.Tensor:
    """Fail unless `value` is a floating-point tensor equal to `expected`; for values that are not a call's
    output alone (a learned kernel, a layer's output), so nothing is shrunk. `inputs` go to the bugs' outputs."""
    mismatch = compare(value, expected, tol)
    if mismatch is None:
        return value
    bug = signatures.named(value, expected, bugs, inputs or {}, tol) if mismatch.reason in ("wrong shape", "wrong values") else mismatch.bug
    shown = Shown(call=where, inputs=(), expected=plain(expected), actual=plain(value), first_wrong=mismatch.first_wrong)
    raise CheckFailed(f"{where}: {mismatch.detail}", reason=mismatch.reason, bug=str(bug) if bug else None, shown=shown)
