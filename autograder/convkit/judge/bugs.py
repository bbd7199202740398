"""Bug signatures: the known wrong variants of an answer, declared by each suite next to the checks that detect
them, as data. A signature names a bug in the learner's words with the fix in one clause, and either computes the
wrong variant's output from the same inputs (with the oracle, never with student code) or matches an exception
the wrong code raises. The judge tries them only when a check has already failed, to say why.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from . import memo
from .values import close

if TYPE_CHECKING:
    from .errors import StudentRaised


@dataclass(frozen=True)
class Bug:
    says: str
    """What went wrong, as the student would put it: "the kernel is flipped (that is convolution)"."""
    fix: str
    """The fix in one clause: "use K as it is"."""
    output: Callable[..., Any] | None = None
    """The wrong variant's output, from the call's inputs by parameter name (raises if it cannot happen there)."""
    raised: str | None = None
    """A pattern of the message of the exception a wrong implementation raises."""
    raises: str | None = None
    """The Python exception class (ValueError, ...) a wrong implementation raises, subclasses included."""
    public: bool = True
    """Whether the handout's own checks may name it too (it describes only the student's output)."""

    def __post_init__(self) -> None:
        named = getattr(builtins, self.raises, None) if self.raises else BaseException
        if not (isinstance(named, type) and issubclass(named, BaseException)):
            raise ValueError(f"Bug({self.says!r}): raises={self.raises!r} is not one of Python's exception classes")

    def __str__(self) -> str:
        return f"{self.says}: {self.fix}"


def _last_zeroed(expected: torch.Tensor, rows: bool, columns: bool) -> torch.Tensor:
    wrong = expected.clone()
    if rows:
        wrong[..., -1, :] = 0
    if columns:
        wrong[..., :, -1] = 0
    return wrong


def _cut_short(expected: torch.Tensor, value: Any) -> torch.Tensor | None:
    """The right output cut to the student's (smaller) shape, as loops that stop early leave it."""
    if type(value) is not torch.Tensor or value.dim() != expected.dim() or value.shape == expected.shape:
        return None
    if any(got > want for got, want in zip(value.shape, expected.shape, strict=True)):
        return None
    return expected[tuple(slice(0, n) for n in value.shape)]


GENERIC = (
    Bug("the output is transposed", "swap the two axes of Y (or of the loops) back", lambda expected, value: expected.transpose(-1, -2)),
    Bug("the output is all zeros", "write each result into Y[i, j]", lambda expected, value: torch.zeros_like(expected)),
    Bug("the sign is flipped", "check the order of a subtraction", lambda expected, value: -expected),
    Bug(
        "the last row and column are never computed (left at zero)",
        "loop over every output position, range(Y.shape[0]) and range(Y.shape[1])",
        lambda expected, value: _last_zeroed(expected, rows=True, columns=True),
    ),
    Bug(
        "the last row is never computed (left at zero)",
        "loop over every output row, range(Y.shape[0])",
        lambda expected, value: _last_zeroed(expected, rows=True, columns=False),
    ),
    Bug(
        "the last column is never computed (left at zero)",
        "loop over every output column, range(Y.shape[1])",
        lambda expected, value: _last_zeroed(expected, rows=False, columns=True),
    ),
    Bug(
        "the output is right but cut short",
        "size it (n + 2p - k) // s + 1 per dimension and let the loops cover all of it",
        _cut_short,
    ),
)
"""Variants of any tensor answer; their `output` takes the expected output and the student's value."""


CANNOT_HAPPEN = (RuntimeError, ValueError, IndexError, TypeError, ZeroDivisionError)
"""What a signature's output raises where its bug cannot happen on the input."""


def same(value: Any, wrong: Any, tol: float = 1e-4) -> bool:
    """Whether `value` equals a wrong variant's output (tensors within `tol` relative to scale, else ==)."""
    if type(wrong) is torch.Tensor:
        return type(value) is torch.Tensor and bool(wrong.numel()) and close(value, wrong, tol)
    return value == wrong


def named(value: Any, expected: Any, bugs: Iterable[Bug], inputs: dict[str, Any], tol: float = 1e-4, generic: bool = True) -> Bug | None:
    """The first signature whose output `value` equals (and the correct answer does not); generic ones last
    (unless `generic` is False: the caller tries them after more specific questions)."""
    key = memo.content_key({**inputs, " expected": expected}) if bugs else None
    for bug in (*bugs, *(GENERIC if generic and type(expected) is torch.Tensor else ())):
        if bug.output is None:
            continue
        try:
            if bug in GENERIC:
                wrong = _distinct(bug.output(expected, value), expected, tol)
            else:
                wrong = memo.computed((bug, tol), key, lambda: _distinct(bug.output(**inputs), expected, tol), CANNOT_HAPPEN)  # noqa: B023 - called at once
        except CANNOT_HAPPEN:
            continue  # that bug cannot happen on this input
        if wrong is not None and same(value, wrong, tol):
            return bug
    return None


def _distinct(wrong: Any, expected: Any, tol: float) -> Any:
    """A wrong variant's output, or None where it is the right answer too (then it names nothing)."""
    return None if wrong is None or same(expected, wrong, tol) else wrong


def raised(error: StudentRaised, bugs: Iterable[Bug]) -> Bug | None:
    """The first signature of an exception that `error` matches: its class and its message, where it names them."""
    return next(
        (
            bug
            for bug in bugs
            if (bug.raises or bug.raised)
            and (bug.raises is None or error.is_builtin(bug.raises))
            and (bug.raised is None or re.search(bug.raised, error.message))
        ),
        None,
    )


def explained(error: StudentRaised, bugs: Iterable[Bug], where: str = "") -> StudentRaised:
    """`error` told after `where` (the call that raised it), with the bug its exception matches, if any."""
    cause = raised(error, bugs)
    return error.told(where, bug=str(cause) if cause else None)


@dataclass(frozen=True)
class Probe:
    """A question answered with one more call: does the failure go away on a simpler input of one kind (square,
    or a pair made equal)? If so, that kind of input is what the code gets wrong."""

    says: str
    fix: str
    simplify: Callable[[dict[str, Any], dict[str, tuple[str, ...]]], dict[str, Any] | None]

    def __str__(self) -> str:
        return f"{self.says}: {self.fix}"


def _square(inputs: dict[str, Any], dims: dict[str, tuple[str, ...]]) -> dict[str, Any] | None:
    """The input cropped so that every tensor's last two dimensions are equal (None if it already is)."""
    sizes: dict[str, int] = {}
    for name, symbols in dims.items():
        for axis, symbol in enumerate(symbols):
            sizes[symbol] = int(inputs[name].shape[axis])
    target = dict(sizes)
    for symbols in dims.values():
        if len(symbols) >= 2:
            a, b = symbols[-2:]
            target[a] = target[b] = min(target[a], target[b])
    if target == sizes:
        return None
    cropped = dict(inputs)
    for name, symbols in dims.items():
        cropped[name] = inputs[name][tuple(slice(0, target[symbol]) for symbol in symbols)].contiguous()
    return cropped


SQUARE = Probe(
    "it works only when height and width are equal: the two are mixed up somewhere",
    "H, W = X.shape and h, w = K.shape, and use each where it belongs",
    _square,
)


def equal_pair(name: str) -> Probe:
    """A probe for a pair argument (padding, stride, window): does the code work when both entries are equal?"""

    def simplify(inputs: dict[str, Any], dims: dict[str, tuple[str, ...]]) -> dict[str, Any] | None:
        value = inputs.get(name)
        if type(value) is not tuple or value[0] == value[1]:
            return None
        return {**inputs, name: (value[0], value[0])}

    return Probe(
        f"the {name}'s height and width are mixed up (one used for both, or swapped)",
        f"use {name}[0] along the height and {name}[1] along the width",
        simplify,
    )
