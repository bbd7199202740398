"""Comparing a student's answer with the oracle's, and saying what went wrong: the bug on proof,
else exactly what the output shows, then the smallest failing input the judge could find,
with expected and actual values.

A suite declares each function it checks once, as a `Function` (its parameters, the named dimensions
of its tensor inputs and of its output, its oracle and its bug signatures), and checks calls with
`expect_call`. When a call fails, the judge shrinks the input (dimensions cut to one entry, to half,
or one shorter, then small integers), calling the worker again within a budget, and shows the
smallest input that still fails the same way. A bug is named only when its output is the
submission's on every failing case and the right answer on every case the check saw answered right;
otherwise feedback says what the output shows (`convkit.checking.effects`).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any

import torch

from convkit.checking import bugs as signatures
from convkit.checking import cache, effects
from convkit.checking.bugs import Bug, Probe
from convkit.checking.student import Student
from convkit.checking.values import (
    bound,
    close,
    describe,
    first_wrong,
    max_error,
    num,
    plain,
    shape_text,
)
from convkit.errors import CheckFailed, Failed, StudentRaised, WorkerFailed
from convkit.exercises.questions import BY_SYMBOL
from convkit.results import CheckResult, Shown

SHRINK_CALLS = 30
SHRINK_SECONDS = 15.0
"""A safety valve for very slow code only: shrinking is bounded by its number of calls, so that the
input shown does not depend on the machine's speed or load (normal code makes its 30 calls in well
under a second)."""


@dataclass(frozen=True)
class Mismatch:
    """How an answer differs from the expected one: `reason` without data (to group by), `detail`
    with it."""

    reason: str
    detail: str
    first_wrong: tuple[tuple[int, ...], float, float] | None = None
    bug: str | None = None
    """What is wrong when the kind of value says it already (a list of tensors, an integer
    dtype)."""


def compare(
    value: Any, expected: torch.Tensor, tol: float = 1e-4, floating: bool = True
) -> Mismatch | None:
    """None when `value` is exactly a torch.Tensor of the expected shape and values (within `tol`,
    relative to the expected values' scale); else how it differs."""
    if type(value) is not torch.Tensor:
        listed = (
            type(value) in (list, tuple)
            and bool(value)
            and all(type(item) is torch.Tensor for item in value)
        )
        bug = (
            "the result is a Python list of tensors: combine them into one tensor with "
            "torch.stack(..., 0)"
            if listed
            else None
        )
        return Mismatch("not a tensor", f"expected a torch.Tensor, got {describe(value)}", bug=bug)
    if floating and not value.is_floating_point():
        dtype = str(value.dtype).replace("torch.", "")
        bug = (
            "the result has an integer dtype, taken from the inputs: create the output as "
            "floats (torch.zeros) or use .float()"
        )
        return Mismatch(
            "not a floating-point tensor",
            f"expected a floating-point tensor, got dtype {dtype}",
            bug=bug,
        )
    if value.shape != expected.shape:
        actual, wanted = tuple(value.shape), tuple(expected.shape)
        return Mismatch(
            "wrong shape",
            f"expected shape {shape_text(wanted)}, got "
            f"{shape_text(actual)}{shape_hint(actual, wanted)}",
        )
    if close(value, expected, tol):
        return None
    return Mismatch(
        "wrong values",
        f"the shape is right but the values are not: max error {num(max_error(value, expected))} "
        f"(a correct answer is off by at most {num(bound(expected, tol))})",
        first_wrong(value, expected, tol),
    )


def shape_hint(actual: tuple[int, ...], expected: tuple[int, ...]) -> str:
    if len(actual) != len(expected):
        return f" ({len(actual)} dimensions instead of {len(expected)})"
    if sorted(actual) == sorted(expected) and len(actual) >= 2:
        return " (the dimensions are in the wrong order)"
    words = (
        {0: "row", 1: "column"}
        if len(actual) == 2
        else {len(actual) - 2: "row", len(actual) - 1: "column"}
    )
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
    keywords: tuple[str, ...] = ()
    """Parameters passed by keyword (padding, stride, mode)."""
    bugs: tuple[Bug, ...] = ()
    probes: tuple[Probe, ...] = ()
    """Asked (one more call each) when neither a signature nor a relation says what is wrong: each
    changes one thing only (a pair's entries made equal, the channels cut to one), so that what it
    shows is about that thing."""
    tol: float = 1e-4
    floating: bool = True
    axes: tuple[str, ...] = ("rows", "columns")
    """What the output's last axes are, as feedback names them."""
    windows: effects.Windows | None = None
    """Output positions by what their windows have in common, for saying which ones are wrong."""

    @property
    def dims(self) -> Mapping[str, tuple[str, ...]]:
        """Named dimensions of the tensor parameters, as the question states them
        (`Question.shapes`): one name shared by two tensors (the channels of X and K) shrinks in
        both at once."""
        return BY_SYMBOL[self.symbol].shapes if self.symbol in BY_SYMBOL else {}

    @property
    def layout(self) -> effects.Layout:
        return effects.Layout(self.axes, self.dims, self.windows)

    def arguments(self, inputs: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
        """The call's positional and keyword arguments, for the oracle and the student alike."""
        return [inputs[name] for name in self.parameters], {
            k: inputs[k] for k in self.keywords if k in inputs
        }

    def call_text(self, inputs: Mapping[str, Any]) -> str:
        """`corr2d_pad_stride(X, K, padding=(1, 2), stride=2)`: tensors by name, other values as
        written."""
        shown = [
            name if type(inputs[name]) is torch.Tensor else repr(inputs[name])
            for name in self.parameters
        ]
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
    def signature(self) -> tuple[str | None, str | None, Bug | str | None]:
        """What a smaller input must reproduce to count as failing the same way."""
        return (None if self.mismatch is None else self.mismatch.reason, self.modified, self.bug)


Evidence = list[tuple[object, dict[str, Any], Any]]
_answered: ContextVar[Evidence | None] = ContextVar("convkit_answered", default=None)
"""The calls the running check saw answered right, by subject (a Function, or the bugs
`expect_tensor` had)."""


@contextmanager
def evidence() -> Iterator[None]:
    """Keep, while a check runs, the calls it sees answered right: evidence against any bug that
    would have got one of them wrong (`convkit.checking.checks.run_check` runs every check
    inside)."""
    token = _answered.set([])
    try:
        yield
    finally:
        _answered.reset(token)


def answered(subject: object, inputs: dict[str, Any], expected: Any) -> None:
    kept = _answered.get()
    if kept is not None:
        kept.append((subject, inputs, expected))


def proven(
    bug: Bug, subject: object, failing: list[tuple[dict[str, Any], Any, Any]], tol: float
) -> bool:
    """Whether `bug` explains every failing case (inputs, expected, value) and no right answer the
    check saw."""
    if not all(
        signatures.explains(bug, value, expected, inputs, tol)
        for inputs, expected, value in failing
    ):
        return False
    seen = _answered.get() or []
    return all(
        signatures.consistent(bug, expected, inputs, tol)
        for who, inputs, expected in seen
        if who is subject
    )


def attempt(
    student: Student, function: Function, inputs: dict[str, Any], name_bug: bool = True
) -> Attempt:
    """Call and judge once; the student's exceptions propagate (with a named cause when a signature
    matches).
    `name_bug=False` leaves matching the signatures to the caller (`name_the_bug`), which may not
    need it."""
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
    elif judged.modified is None:
        answered(function, inputs, expected)
    return judged


NOT_AN_INPUT = (RuntimeError, ValueError, IndexError, TypeError)
"""What the oracle raises on inputs that are not valid (a kernel larger than its picture, a negative
size)."""


def expected_answer(function: Function, inputs: dict[str, Any]) -> torch.Tensor:
    """The oracle's answer on `inputs` (cached by their content, refusals too); raises NOT_AN_INPUT
    where they are not a valid input."""
    args, keywords = function.arguments(inputs)
    return cache.computed(
        (function.oracle, function.parameters, function.keywords),
        inputs,
        lambda: function.oracle(*args, **keywords),
        NOT_AN_INPUT,
    )


def name_the_bug(judged: Attempt, function: Function, wanted: Bug | str | None = None) -> None:
    """Set the bug a wrong shape or wrong values match, from the function's signatures (specific
    ones only). Given the bug the caller `wanted`, the signatures after it are not tried: the result
    may then differ from the full search only where neither is `wanted`."""
    if judged.mismatch is not None and judged.mismatch.reason in ("wrong shape", "wrong values"):
        bugs = (
            function.bugs[: function.bugs.index(wanted) + 1]
            if isinstance(wanted, Bug) and wanted in function.bugs
            else function.bugs
        )
        judged.bug = signatures.named(
            judged.value, judged.expected, bugs, judged.inputs, function.tol
        )


def expect_call(student: Student, function: Function, **inputs: Any) -> Any:
    """Fail the check unless the student's function answers like the oracle on `inputs` and leaves
    them unchanged; the failure names the bug (on proof) or says what the output shows, with the
    smallest input that fails the same way."""
    try:
        first = attempt(student, function, inputs)
    except StudentRaised as error:
        if error.bug is None and error.effect is None and student.explain:
            error.effect = probe(student, function, inputs, raised=True)
        raise
    if not first.failed:
        return first.value
    smallest = shrink(student, function, first) if student.explain else first
    failing = [first] if smallest is first else [first, smallest]
    if isinstance(smallest.bug, Bug):
        cases = [
            (a.inputs, a.expected, a.value)
            for a in [*failing, *beside(student, function, first.inputs)]
        ]
        if not proven(smallest.bug, function, cases, function.tol):
            smallest.bug = None
    effect = None
    if smallest.modified is None:
        if smallest.bug is None:
            effect = seen(student, function, failing)
            if effect is None and student.explain:
                # the first: a tiny input is square or one channel already
                effect = probe(student, function, first.inputs)
        else:  # said only if another check rules the bug out (`settled`): no further call for it
            effect = effects.describe(
                [effects.Case(a.inputs, a.expected, a.value, function.tol) for a in failing],
                function.layout,
                wide=False,
            )
    against = tuple(
        str(bug) for bug in function.bugs if any(contradicts(bug, a, function.tol) for a in failing)
    )
    raise failure(function, smallest, shrunk=smallest is not first, effect=effect, against=against)


def contradicts(bug: Bug, judged: Attempt, tol: float) -> bool:
    """Whether a failing case rules `bug` out: its output there is not the submission's (it would
    have been right there, or gives another wrong answer). Only a case whose answer was compared
    counts: an input changed in place says nothing of the answer."""
    return (
        judged.mismatch is not None
        and judged.modified is None
        and signatures.rules_out(bug, judged.value, judged.expected, judged.inputs, tol)
    )


def settled(checks: tuple[CheckResult, ...]) -> tuple[CheckResult, ...]:
    """A question's check results with a bug one check named, but another's failing cases rule out,
    no longer named there (its effect said instead): every failing case of the question is evidence,
    and each check's result carries what it rules out, so a check replayed from a transcript settles
    the same."""
    ruled_out = {text for check in checks if check.failure for text in check.failure.against}
    return tuple(
        replace(check, failure=replace(check.failure, bug=None))
        if check.failure and check.failure.bug in ruled_out
        else check
        for check in checks
    )


def beside(student: Student, function: Function, inputs: dict[str, Any]) -> list[Attempt]:
    """The answer to one more call, on a neighbour of `inputs` (`neighbour`), where it fails too: a
    bug named on the cases a check met by chance (sizes whose arithmetic agrees, two channels where
    'the last one skipped' and 'only the first used' are the same) must explain that one as well.
    Where it passes, it is kept as a right answer (`answered`), which a bug must not contradict
    either. Nothing when not explaining."""
    if not student.explain:
        return []
    try:
        other = attempt(student, function, neighbour(inputs, function), name_bug=False)
    except (Failed, WorkerFailed, *NOT_AN_INPUT):
        return []
    return [other] if other.failed and other.mismatch is not None else []


GROWN = ("H", "W", "c", "c_i", "c_o")
"""The named dimensions a neighbour has one more of: the input's size and its channels (a kernel
keeps its)."""


def neighbour(inputs: dict[str, Any], function: Function) -> dict[str, Any]:
    """`inputs` one step away in every size: each of GROWN one larger (new random values, drawn from
    the inputs' content), every int or pair argument (padding, stride, a window) one larger."""
    sizes: dict[str, int] = {}
    for name, symbols in function.dims.items():
        for axis, symbol in enumerate(symbols):
            sizes[symbol] = int(inputs[name].shape[axis]) + (symbol in GROWN)
    grown = randomised(
        {
            name: inputs[name].new_zeros([sizes[s] for s in symbols])
            for name, symbols in function.dims.items()
        },
        function.dims,
    )
    near = {**inputs, **grown}
    for name, value in inputs.items():
        if type(value) is int and not isinstance(value, bool):
            near[name] = value + 1
        elif type(value) is tuple and all(type(item) is int for item in value):
            near[name] = tuple(item + 1 for item in value)
    return near


def seen(student: Student, function: Function, failing: list[Attempt]) -> str | None:
    """What the failing cases' outputs show (`convkit.checking.effects`). A relation of every
    entry's value must show on a random input of the first case's shapes too (one more call), or the
    structured inputs may have made it."""
    cases = [effects.Case(a.inputs, a.expected, a.value, function.tol) for a in failing]
    cut = truncated(function, failing)
    if cut is not None:
        return cut
    found = effects.relation(cases, function.layout)
    if found is None or not any(found.kind == kind for kind in wide_kinds(cases, function)):
        return found.words if found else None
    if not student.explain:
        return None
    try:
        other = attempt(
            student, function, randomised(failing[0].inputs, function.dims), name_bug=False
        )
    except (Failed, WorkerFailed, *NOT_AN_INPUT):
        other = None
    if other is not None and other.failed and other.mismatch is not None:
        confirmed = effects.relation(
            [*cases, effects.Case(other.inputs, other.expected, other.value, function.tol)],
            function.layout,
        )
        if confirmed is not None and confirmed.kind == found.kind:
            return found.words
    return effects.describe(cases, function.layout, wide=False)


def truncated(function: Function, failing: list[Attempt]) -> str | None:
    """Where every failing output is the right answer for an input whose values were cut to whole
    numbers (a float kernel made an integer one, say), that input by name."""
    for name in function.dims:
        try:
            if all(_truncated_answer(function, attempt_, name) for attempt_ in failing):
                return (
                    f"every entry is what the right answer would be with {name}'s values "
                    "truncated to whole numbers"
                )
        except NOT_AN_INPUT:
            continue
    return None


def _truncated_answer(function: Function, judged: Attempt, name: str) -> bool:
    value = judged.inputs[name]
    if (
        type(value) is not torch.Tensor
        or not value.is_floating_point()
        or torch.equal(value, value.trunc())
    ):
        return False
    wrong = expected_answer(function, {**judged.inputs, name: value.trunc()})
    return (
        type(judged.value) is torch.Tensor
        and close(judged.value, wrong, function.tol)
        and not close(wrong, judged.expected, function.tol)
    )


def wide_kinds(cases: list[effects.Case], function: Function) -> set[str]:
    """The kinds the value-wide relations give on `cases` (to tell whether the relation found is one
    of them)."""
    kinds = set()
    for relate in effects.WIDE:
        for case in cases:
            try:
                found = relate(case, function.layout, cases)
            except (ArithmeticError, ValueError, RuntimeError, TypeError, IndexError):
                continue
            if found is not None and found.kind:
                kinds.add(found.kind)
    return kinds


def randomised(inputs: dict[str, Any], dims: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    """`inputs` with every tensor the function's dims name replaced by random values of its shape
    and dtype, drawn from the inputs' own content (the same case gives the same variant, at every
    regrade)."""
    digest = hashlib.sha256(repr(cache.content_key(inputs)).encode()).digest()
    rng = torch.Generator().manual_seed(int.from_bytes(digest[:8], "big") >> 1)
    varied = dict(inputs)
    for name in dims:
        value = inputs[name]
        if type(value) is torch.Tensor:
            if value.is_floating_point():
                varied[name] = (
                    torch.rand(value.shape, generator=rng, dtype=torch.float64) * 2 - 1
                ).to(value.dtype)
            else:
                varied[name] = torch.randint(-5, 6, value.shape, generator=rng).to(value.dtype)
    return varied


def expect_dtype(student: Student, function: Function, **inputs: Any) -> Any:
    """`expect_call`, and the result's dtype must be the one torch gives the inputs' dtypes
    together, at least float32 (`oracle.as_float`): integer inputs with a float kernel give the
    kernel's float, float32 stays float32."""
    value = expect_call(student, function, **inputs)
    wanted = expected_answer(function, inputs).dtype
    if value.dtype != wanted:
        given = ", ".join(
            f"{name} {str(v.dtype).removeprefix('torch.')}"
            for name, v in inputs.items()
            if type(v) is torch.Tensor
        )
        got, want = str(value.dtype).removeprefix("torch."), str(wanted).removeprefix("torch.")
        raise CheckFailed(
            f"{function.call_text(inputs)}: the result has dtype {got}; with {given} it must be "
            f"{want}",
            reason="wrong dtype",
            bug=f"the result's dtype is {got}, not {want}: compute in the dtype the inputs give "
            "together (at least float32)",
        )
    return value


def probe(
    student: Student, function: Function, inputs: dict[str, Any], raised: bool = False
) -> str | None:
    """What a simpler input of one kind shows, by the first probe on which the call passes (one more
    call per probe): an observation, never a cause."""
    for question in function.probes:
        try:
            simpler = question.simplify(inputs, dict(function.dims))
            if simpler is not None and not attempt(student, function, simpler).failed:
                return question.seen(raised)
        except WorkerFailed:
            return None
        except (Failed, *NOT_AN_INPUT):  # it fails otherwise, or the simpler input is not valid
            continue
    return None


def failure(
    function: Function,
    judged: Attempt,
    shrunk: bool,
    effect: str | None = None,
    against: tuple[str, ...] = (),
) -> CheckFailed:
    call = function.call_text(judged.inputs)
    bug = str(judged.bug) if judged.bug else None
    if judged.modified is not None:
        detail, reason, bug = (
            f"{call}: the input {judged.modified} was modified in place",
            "modified its input",
            in_place(judged.modified),
        )
    else:
        assert judged.mismatch is not None
        detail, reason = f"{call}: {judged.mismatch.detail}", judged.mismatch.reason
    shown = Shown(
        call=call,
        inputs=tuple(
            (name, plain(value))
            for name, value in judged.inputs.items()
            if type(value) is torch.Tensor
        ),
        expected=plain(judged.expected),
        actual=plain(judged.value),
        first_wrong=judged.mismatch.first_wrong if judged.mismatch else None,
        shrunk=shrunk,
    )
    return CheckFailed(detail, reason=reason, bug=bug, shown=shown, effect=effect, against=against)


def shrink(student: Student, function: Function, failed: Attempt) -> Attempt:
    """The smallest input found that fails the same way as `failed`, within SHRINK_CALLS calls of
    the student's function (and the safety valves: SHRINK_SECONDS, and half the submission's time
    kept for its checks). Candidates the oracle rejects, or that were tried already, cost no
    call."""
    deadline, calls = time.monotonic() + SHRINK_SECONDS, SHRINK_CALLS
    current = failed
    tried: set[Any] = set()
    candidates: Iterator[dict[str, Any]] = smaller(current.inputs, function.dims)
    while calls > 0 and student.time_to_explain(until=deadline):
        candidate = next(candidates, None)
        if candidate is None:
            break
        key = cache.content_key(candidate)
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


def smaller(
    inputs: dict[str, Any], dims: Mapping[str, tuple[str, ...]]
) -> Iterator[dict[str, Any]]:
    """Smaller variants of a case, most promising first: a named dimension cut to its first or last
    entry, then to its first or last half, then one shorter (in every tensor that has it; the
    longest dimensions first), then the values as small integers. Big cuts first: most bugs show on
    tiny inputs, and each cut that keeps the failure saves the calls of the small steps it skips."""
    sizes: dict[str, int] = {}
    for name, symbols in dims.items():
        for axis, symbol in enumerate(symbols):
            sizes[symbol] = max(sizes.get(symbol, 0), int(inputs[name].shape[axis]))
    for symbol, size in sorted(sizes.items(), key=lambda item: -item[1]):
        for length in sorted(n for n in {1, (size + 1) // 2, size - 1} if 0 < n < size):
            for keep in (slice(0, length), slice(size - length, size)):
                yield {
                    name: _narrow(value, dims.get(name, ()), symbol, keep)
                    for name, value in inputs.items()
                }
    floats = [name for name in dims if inputs[name].is_floating_point() and inputs[name].numel()]
    simplifications: tuple[Callable[[torch.Tensor], torch.Tensor], ...] = (
        torch.sign,
        lambda t: torch.round(3 * t / max(float(t.abs().max()), 1e-12)),
        torch.round,
    )
    for simplify in simplifications:
        simpler = {name: simplify(inputs[name]) for name in floats}
        if floats and any(not torch.equal(simpler[name], inputs[name]) for name in floats):
            yield {**inputs, **simpler}


def _narrow(value: Any, symbols: tuple[str, ...], symbol: str, keep: slice) -> Any:
    for axis, name in enumerate(symbols):
        if name == symbol:
            value = value.narrow(axis, keep.start, keep.stop - keep.start).contiguous()
    return value


def changed(after: Any, before: torch.Tensor) -> bool:
    """Whether a tensor argument came back from a call other than it was sent. The worker sends back
    only what it saw change (None otherwise); what it cannot send as a tensor (a dtype of the call's
    own) changed too."""
    if after is None:
        return False
    return (
        type(after) is not torch.Tensor
        or after.shape != before.shape
        or not torch.equal(after, before)
    )


def in_place(name: str) -> str:
    """The bug the worker saw happen (its own evidence, never a guess): an argument changed by the
    call."""
    return (
        f"your function changed its input {name} in place: work on a copy ({name}.clone()) or "
        "with operations that return new tensors"
    )


def expect_inputs_unchanged(
    inputs_after: list[Any], sent: Mapping[str, torch.Tensor], where: str
) -> None:
    """Fail the check where a call sent back one of the tensors `sent` (by name) changed."""
    for (name, before), after in zip(sent.items(), inputs_after, strict=False):
        if changed(after, before):
            raise CheckFailed(
                f"{where}: the input {name} was modified in place",
                reason="modified its input",
                bug=in_place(name),
            )


def expect_tensor(
    value: Any,
    expected: torch.Tensor,
    *,
    where: str,
    bugs: tuple[Bug, ...] = (),
    inputs: dict[str, Any] | None = None,
    tol: float = 1e-4,
    layout: effects.Layout = effects.PLANE,
) -> torch.Tensor:
    """Fail unless `value` is a floating-point tensor equal to `expected`; for values that are not a
    call's output alone (a learned kernel, a layer's output), so nothing is shrunk. `inputs` go to
    the bugs' outputs; a bug is named on proof, as `expect_call` does (the right answers kept are
    those with the same `bugs`)."""
    inputs = inputs or {}
    mismatch = compare(value, expected, tol)
    if mismatch is None:
        answered(bugs, inputs, expected)
        return value
    bug: Bug | str | None = mismatch.bug
    if mismatch.reason in ("wrong shape", "wrong values"):
        bug = signatures.named(value, expected, bugs, inputs, tol)
        bug = (
            bug if bug is not None and proven(bug, bugs, [(inputs, expected, value)], tol) else None
        )
    effect = None if bug else effects.describe([effects.Case(inputs, expected, value, tol)], layout)
    shown = Shown(
        call=where,
        inputs=(),
        expected=plain(expected),
        actual=plain(value),
        first_wrong=mismatch.first_wrong,
    )
    raise CheckFailed(
        f"{where}: {mismatch.detail}",
        reason=mismatch.reason,
        bug=str(bug) if bug else None,
        shown=shown,
        effect=effect,
    )
