"""Bug signatures: the known wrong variants of an answer, declared by each suite next to the checks
that detect them, as data. A signature names a bug in the learner's words with the fix in one
clause, and either computes the wrong variant's output from the same inputs (with the oracle, never
with student code) or matches an exception the wrong code raises. The judge tries them only when a
check has already failed, to say why.
"""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from convkit.checking import cache
from convkit.checking.values import close

if TYPE_CHECKING:
    from convkit.errors import StudentRaised


@dataclass(frozen=True)
class Bug:
    says: str
    """What went wrong, as the student would put it: "the kernel is flipped (that is
    convolution)"."""
    fix: str
    """The fix in one clause: "use K as it is"."""
    output: Callable[..., Any] | None = None
    """The wrong variant's output, from the call's inputs by parameter name (raises if it cannot
    happen there)."""
    raised: str | None = None
    """A pattern of the message of the exception a wrong implementation raises."""
    raises: str | None = None
    """The Python exception class (ValueError, ...) a wrong implementation raises, subclasses
    included."""
    public: bool = True
    """Whether the handout's own checks may name it too (it describes only the student's output)."""

    def __post_init__(self) -> None:
        named = getattr(builtins, self.raises, None) if self.raises else BaseException
        if not (isinstance(named, type) and issubclass(named, BaseException)):
            raise ValueError(
                f"Bug({self.says!r}): raises={self.raises!r} is not one of Python's exception "
                "classes"
            )

    def __str__(self) -> str:
        return f"{self.says}: {self.fix}"


CANNOT_HAPPEN = (RuntimeError, ValueError, IndexError, TypeError, ZeroDivisionError)
"""What a signature's output raises where its bug cannot happen on the input."""


def same(value: Any, wrong: Any, tol: float = 1e-4) -> bool:
    """Whether `value` equals a wrong variant's output (tensors within `tol` relative to scale, else
    ==)."""
    if type(wrong) is torch.Tensor:
        return type(value) is torch.Tensor and bool(wrong.numel()) and close(value, wrong, tol)
    return value == wrong


def named(
    value: Any, expected: Any, bugs: Iterable[Bug], inputs: dict[str, Any], tol: float = 1e-4
) -> Bug | None:
    """The first signature whose output `value` equals (and the correct answer does not)."""
    key = cache.content_key({**inputs, " expected": expected})
    return next((bug for bug in bugs if explains(bug, value, expected, inputs, tol, key)), None)


def explains(
    bug: Bug, value: Any, expected: Any, inputs: dict[str, Any], tol: float = 1e-4, key: Any = None
) -> bool:
    """Whether `bug`'s output on `inputs` is `value` and not the right answer `expected`."""
    wrong = output(bug, expected, inputs, tol, key)
    return wrong is not None and same(value, wrong, tol)


def rules_out(
    bug: Bug, value: Any, expected: Any, inputs: dict[str, Any], tol: float = 1e-4
) -> bool:
    """Whether a failing answer `value` rules `bug` out: the bug gives another output on `inputs`
    (the right one included). Where it cannot happen on them (its output raises, or is None), they
    say nothing of it."""
    compute = bug.output
    if compute is None:
        return False
    try:
        key = cache.content_key({**inputs, " expected": expected})
        wrong = cache.computed((bug, "raw"), key, lambda: compute(**inputs), CANNOT_HAPPEN)
    except CANNOT_HAPPEN:
        return False
    return wrong is not None and not same(value, wrong, tol)


def consistent(bug: Bug, expected: Any, inputs: dict[str, Any], tol: float = 1e-4) -> bool:
    """Whether `bug` would have given the right answer on `inputs` (or cannot happen there): a call
    the submission answered right is evidence against every bug that would have got it wrong."""
    return output(bug, expected, inputs, tol) is None


def output(bug: Bug, expected: Any, inputs: dict[str, Any], tol: float, key: Any = None) -> Any:
    """`bug`'s output on `inputs` where it differs from `expected`; None where it is right there
    too, or cannot happen (cached by the inputs' content, `key` when the caller made it: shrinking
    and the evidence ask again)."""
    compute = bug.output
    if compute is None:
        return None
    key = key if key is not None else cache.content_key({**inputs, " expected": expected})
    try:
        distinct = lambda: _distinct(compute(**inputs), expected, tol)  # noqa: E731
        return cache.computed((bug, tol), key, distinct, CANNOT_HAPPEN)
    except CANNOT_HAPPEN:
        return None


def _distinct(wrong: Any, expected: Any, tol: float) -> Any:
    """A wrong variant's output, or None where it is the right answer too (then it names
    nothing)."""
    return None if wrong is None or same(expected, wrong, tol) else wrong


def raised(error: StudentRaised, bugs: Iterable[Bug]) -> Bug | None:
    """The first signature of an exception that `error` matches: its class and its message, where it
    names them."""
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
    """`error` told after `where` (the call that raised it), with the bug its exception matches, if
    any."""
    cause = raised(error, bugs)
    return error.told(where, bug=str(cause) if cause else None)


@dataclass(frozen=True)
class Probe:
    """A question answered with one more call: does the failure go away on a simpler input of one
    kind (square, one channel, or a pair made equal)? If so, feedback says so as what was seen,
    never as a cause."""

    made: str
    """What the simpler input is: "the inputs are cropped square"."""
    simplify: Callable[[dict[str, Any], dict[str, tuple[str, ...]]], dict[str, Any] | None]

    def seen(self, raised: bool = False) -> str:
        return (
            f"it {'runs' if raised else 'is right'} once {self.made}, and "
            f"{'raises' if raised else 'is wrong'} as given"
        )


def _crop(
    inputs: dict[str, Any],
    dims: dict[str, tuple[str, ...]],
    target: Callable[[dict[str, int]], dict[str, int]],
) -> dict[str, Any] | None:
    """The input with each named dimension cut to the size `target` gives it (None if none
    changes)."""
    sizes: dict[str, int] = {}
    for name, symbols in dims.items():
        for axis, symbol in enumerate(symbols):
            sizes[symbol] = int(inputs[name].shape[axis])
    wanted = target(dict(sizes))
    if wanted == sizes:
        return None
    cropped = dict(inputs)
    for name, symbols in dims.items():
        cropped[name] = inputs[name][
            tuple(slice(0, wanted[symbol]) for symbol in symbols)
        ].contiguous()
    return cropped


ONE_CHANNEL = Probe(
    "the inputs are cut to one channel",
    lambda inputs, dims: _crop(
        inputs,
        dims,
        lambda sizes: {k: 1 if k in ("c", "c_i", "c_o") else n for k, n in sizes.items()},
    ),
)


def equal_pair(name: str) -> Probe:
    """A probe for a pair argument (padding, stride, window): does the code work when both entries
    are equal?"""

    def simplify(inputs: dict[str, Any], dims: dict[str, tuple[str, ...]]) -> dict[str, Any] | None:
        value = inputs.get(name)
        if type(value) is not tuple or value[0] == value[1]:
            return None
        return {**inputs, name: (value[0], value[0])}

    return Probe(f"the {name}'s two entries are made equal", simplify)
