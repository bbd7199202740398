"""What a wrong answer shows, in words, from the answer and the expected one alone: no catalog of
bugs, no cause.

Feedback names a bug only on proof (`convkit.checking.compare`); otherwise it says exactly what the
output is: which axis has the wrong size and which input's size it has instead, axes in another
order, the output mirrored, scaled, shifted, rounded or constant, or which rows, columns, channels
or windows are wrong. Each relation is a small function of one failing case; a relation is said only
when it holds on every failing case the check saw (the first, and the smallest it shrank to), so a
coincidence of one tiny input is never taken for a pattern.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from convkit.checking.values import bound, close, num, shape_text

SYMBOLS = {
    "H": "height",
    "W": "width",
    "h": "height",
    "w": "width",
    "c": "channels",
    "c_i": "input channels",
    "c_o": "output channels",
}
"""How a named dimension of an input reads in a sentence: `X's width`."""

Windows = Callable[[Mapping[str, Any]], Mapping[str, torch.Tensor]]
"""For a call's inputs: output positions (a boolean tensor shaped as the output's last two axes) by
what their windows have in common, e.g. "whose values are all negative"."""


@dataclass(frozen=True)
class Case:
    """One failing call: its inputs, the oracle's answer and the student's."""

    inputs: Mapping[str, Any]
    expected: torch.Tensor
    actual: Any
    tol: float = 1e-4


@dataclass(frozen=True)
class Layout:
    """What the output's axes are (`rows`, `columns`, `output channels`), the named dimensions of
    the inputs (as `Function.dims`), and the function's windows, if it has any."""

    axes: tuple[str, ...]
    dims: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    windows: Windows | None = None

    def axis(self, index: int, ndim: int) -> str:
        """The name of axis `index` of an output with `ndim` axes (the last ones are the
        layout's)."""
        offset = index - (ndim - len(self.axes))
        return self.axes[offset] if 0 <= offset < len(self.axes) else f"axis {index}"


PLANE = Layout(("rows", "columns"))
"""A matrix output, named by nothing else."""


@dataclass(frozen=True)
class Relation:
    """A relation holds on several cases when their kinds agree; the words are the shown case's,
    unless they say nothing there (`vacuous`: every entry of a one-row output is 'the last row'),
    then the first case's."""

    kind: str
    words: str
    vacuous: bool = False


UNDECIDED = Relation("", "", vacuous=True)
"""What a relation says of a case too small to tell (one entry is a multiple of anything): neither
for nor against it. A relation still needs one case that holds it."""


def describe(cases: Sequence[Case], layout: Layout, wide: bool = True) -> str | None:
    """The most specific relation that holds on every case, in the words of the last that tells (the
    one shown), or None. `wide=False` leaves out the relations of every entry's value (`WIDE`): a
    caller that found them contradicted on another input."""
    found = relation(cases, layout, wide)
    return found.words if found else None


def relation(cases: Sequence[Case], layout: Layout, wide: bool = True) -> Relation | None:
    """`describe`'s relation itself."""
    tensors = [
        case
        for case in cases
        if type(case.actual) is torch.Tensor and type(case.expected) is torch.Tensor
    ]
    if not tensors or len(tensors) != len(cases):
        return None
    for relate in RELATIONS:
        if not wide and relate in WIDE:
            continue
        try:
            found = [relate(case, layout, tensors) for case in tensors]
        except (ArithmeticError, ValueError, RuntimeError, TypeError, IndexError):
            # the student's values (huge, odd dtypes) defeat this relation: it says nothing
            continue
        if any(relation is None for relation in found):
            continue
        decided = [relation for relation in found if relation is not None and relation.kind]
        telling = [relation for relation in decided if not relation.vacuous]
        if telling and len({relation.kind for relation in decided}) == 1:
            return telling[-1]
    return None


def not_finite(case: Case, layout: Layout, cases: Sequence[Case] = ()) -> Relation | None:
    actual, expected = case.actual, case.expected
    if actual.shape != expected.shape or not actual.is_floating_point():
        return None
    bad = ~torch.isfinite(actual) & torch.isfinite(expected)
    if not bool(bad.any()):
        return None
    first = [int(i) for i in torch.nonzero(bad)[0]]
    return Relation(
        "not finite",
        f"{int(bad.sum())} of {actual.numel()} entries are NaN or infinite (the first at {first})",
    )


def axes_count(case: Case, layout: Layout, cases: Sequence[Case] = ()) -> Relation | None:
    """A missing or extra axis: of size 1 (squeezed away, or added), or another count altogether."""
    actual, expected = case.actual.shape, case.expected.shape
    if len(actual) == len(expected):
        return None
    names = ", ".join(layout.axis(i, len(expected)) for i in range(len(expected)))
    seen = f"shape {shape_text(tuple(actual))}, expected {shape_text(tuple(expected))} ({names})"
    if len(actual) < len(expected):
        ones = [i for i, n in enumerate(expected) if n == 1]
        for dropped in itertools.combinations(ones, len(expected) - len(actual)):
            if tuple(n for i, n in enumerate(expected) if i not in dropped) == tuple(actual):
                gone = " and ".join(layout.axis(i, len(expected)) for i in dropped)
                return Relation("missing", f"the axis of size 1 for the {gone} is missing: {seen}")
    elif tuple(n for n in actual if n != 1) == tuple(n for n in expected if n != 1):
        return Relation("extra ones", f"it has an extra axis of size 1: {seen}")
    return Relation("axes", f"it has {len(actual)} axes, expected {len(expected)}: {seen}")


def sizes(case: Case, layout: Layout, cases: Sequence[Case] = ()) -> Relation | None:
    """Axes of the wrong size: which, more or fewer, and which of the inputs' sizes each has
    instead, where every case agrees (a size of 2 is many things on a tiny input)."""
    actual, expected = tuple(case.actual.shape), tuple(case.expected.shape)
    if len(actual) != len(expected) or actual == expected:
        return None
    wrong = [
        index for index, (got, want) in enumerate(zip(actual, expected, strict=True)) if got != want
    ]
    if (
        len(wrong) == 2
        and actual[wrong[0]] == expected[wrong[1]]
        and actual[wrong[1]] == expected[wrong[0]]
    ):
        names = [layout.axis(index, len(expected)) for index in wrong]
        seen = f"shape {shape_text(actual)}, expected {shape_text(expected)}"
        return Relation(
            "sizes swapped", f"its {names[0]} and {names[1]} have each other's sizes: {seen}"
        )
    words = []
    for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
        if got == want:
            continue
        name = layout.axis(index, len(expected))
        sources = [
            source
            for source in _sources(case.inputs, layout, got, want, name)
            if _everywhere(source, index, cases, layout)
        ]
        if (
            got == 1
        ):  # everything small has size 1: only a size of the axis's own kind tells something
            sources = [
                source for source in sources if _kind(source.split("'s ", 1)[1]) == _kind(name)
            ]
        step = {1: "one more", -1: "one fewer"}.get(got - want, "more" if got > want else "fewer")
        also = f"; {got} is {' and '.join(sources[:2])}" if sources else ""
        noun = name.removesuffix("s") if got == 1 else name
        words.append(
            f"{got} {noun} where {want} {'was' if want == 1 else 'were'} expected ({step}{also})"
        )
    return Relation("sizes", "it has " + ", and ".join(words))


def _everywhere(source: str, index: int, cases: Sequence[Case], layout: Layout) -> bool:
    """Whether axis `index` has `source`'s size in every case where it is wrong."""
    for case in cases:
        actual, expected = tuple(case.actual.shape), tuple(case.expected.shape)
        if len(actual) == len(expected) and actual[index] != expected[index]:
            if source not in _sources(
                case.inputs,
                layout,
                actual[index],
                expected[index],
                layout.axis(index, len(expected)),
            ):
                return False
    return True


def _sources(
    inputs: Mapping[str, Any], layout: Layout, size: int, other: int, axis: str = ""
) -> list[str]:
    """The inputs' named sizes equal to `size` and not to `other` (`X's width`), each once; those of
    the axis's own kind first (a channel count for an axis of channels)."""
    found: list[tuple[bool, str]] = []
    for name, symbols in layout.dims.items():
        value = inputs.get(name)
        if type(value) is not torch.Tensor:
            continue
        for index, symbol in enumerate(symbols):
            if (
                index < value.dim()
                and int(value.shape[index]) == size != other
                and symbol in SYMBOLS
            ):
                text = f"{name}'s {SYMBOLS[symbol]}"
                kindred = _kind(SYMBOLS[symbol]) == _kind(axis)
                if all(text != seen for _, seen in found):
                    found.append((not kindred, text))
    return [text for _, text in sorted(found, key=lambda item: item[0])]


def _kind(words: str) -> str:
    return (
        "channels"
        if "channel" in words
        else "rows"
        if words in ("rows", "height")
        else "columns"
        if words in ("columns", "width")
        else words
    )


def permuted(case: Case, layout: Layout, cases: Sequence[Case] = ()) -> Relation | None:
    """The expected output with its axes in another order (transposed, in two dimensions)."""
    actual, expected = case.actual, case.expected
    if actual.dim() != expected.dim() or actual.dim() < 2 or actual.numel() != expected.numel():
        return None
    ndim = expected.dim()
    telling = False
    for order in itertools.permutations(range(ndim)):
        if list(order) == list(range(ndim)):
            continue
        moved = expected.permute(order)
        telling = telling or not (
            moved.shape == expected.shape and close(moved, expected, case.tol)
        )
        if (
            moved.shape == actual.shape
            and not close(moved, expected, case.tol)
            and close(actual, moved, case.tol)
        ):
            if ndim == 2:
                return Relation(
                    "transposed",
                    "rows and columns are swapped: it is the expected output transposed",
                )
            names = [layout.axis(i, ndim) for i in range(ndim)]
            return Relation(
                f"permuted {order}",
                f"its axes are ({', '.join(names[i] for i in order)}) instead of "
                f"({', '.join(names)})",
            )
    return None if telling else UNDECIDED


def mirrored(case: Case, layout: Layout, cases: Sequence[Case] = ()) -> Relation | None:
    actual, expected = case.actual, case.expected
    if actual.shape != expected.shape or actual.dim() < 1:
        return None
    ndim = expected.dim()
    telling = False
    for count in (1, 2, 3):
        for axes in itertools.combinations(range(ndim), count):
            flipped = expected.flip(axes)
            telling = telling or not close(flipped, expected, case.tol)
            if not close(flipped, expected, case.tol) and close(actual, flipped, case.tol):
                names = " and ".join(layout.axis(i, ndim) for i in axes)
                return Relation(
                    f"flipped {axes}",
                    f"it is the expected output with its {names} in reverse order",
                )
    return None if telling else UNDECIDED


def constant(case: Case, layout: Layout, cases: Sequence[Case] = ()) -> Relation | None:
    actual, expected = case.actual, case.expected
    if actual.shape != expected.shape:
        return None
    if actual.numel() < 2 or expected.unique().numel() < 2:
        return UNDECIDED
    if not bool((actual == actual.flatten()[0]).all()):
        return None
    return Relation("constant", f"every entry is {num(float(actual.flatten()[0]))}")


def rounded(case: Case, layout: Layout, cases: Sequence[Case] = ()) -> Relation | None:
    actual, expected = case.actual, case.expected
    if actual.shape != expected.shape or not expected.is_floating_point():
        return None
    if bool((expected == expected.round()).all()):
        return UNDECIDED
    for name, operation in (
        ("rounded down", torch.floor),
        ("rounded toward zero", torch.trunc),
        ("rounded", torch.round),
    ):
        if close(actual.double(), operation(expected.double()), case.tol):
            return Relation(
                f"rounded {name}", f"every entry is the expected one {name} to an integer"
            )
    return None


def affine(case: Case, layout: Layout, cases: Sequence[Case] = ()) -> Relation | None:
    """Every entry the expected one times a constant, plus a constant: scaled, negated or
    shifted."""
    actual, expected = case.actual, case.expected
    if (
        actual.shape != expected.shape
        or not actual.is_floating_point()
        or not expected.is_floating_point()
    ):
        return None
    x, y = expected.double().flatten(), actual.double().flatten()
    distinct = x.unique().numel()
    if not bool(torch.isfinite(y).all()):
        return None
    if distinct < 2:
        return UNDECIDED
    scale = float((x * y).sum() / (x * x).sum()) if float((x * x).sum()) else math.nan
    if math.isfinite(scale) and abs(scale - 1) > case.tol and close(y, scale * x, case.tol):
        if abs(scale + 1) <= case.tol:
            return Relation("negated", "every entry has the opposite sign")
        inverse = 1 / scale if abs(scale) > 1e-12 else math.inf
        if math.isfinite(inverse) and abs(inverse - round(inverse)) < 1e-6 and abs(inverse) > 1:
            return Relation(
                "scaled", f"every entry is the expected one divided by {round(inverse)}"
            )
        return Relation("scaled", f"every entry is {num(scale)} times the expected one")
    shift = float((y - x).mean())
    if abs(shift) > bound(expected, case.tol) and close(y, x + shift, case.tol):
        return Relation(
            "shifted",
            f"every entry is the expected one {'plus' if shift > 0 else 'minus'} {num(abs(shift))}",
        )
    if distinct >= 3:
        design = torch.stack([x, torch.ones_like(x)], 1)
        solution = torch.linalg.lstsq(design, y[:, None]).solution.flatten()
        a, b = float(solution[0]), float(solution[1])
        if (
            abs(a - 1) > case.tol
            and abs(b) > bound(expected, case.tol)
            and close(y, a * x + b, case.tol)
        ):
            return Relation(
                "affine", f"every entry is {num(a)} times the expected one plus {num(b)}"
            )
    return None


def partial(case: Case, layout: Layout, cases: Sequence[Case] = ()) -> Relation | None:
    """Right but for some entries: which channels, windows, rows or columns hold the wrong ones.
    Where every entry is wrong (a tiny shrunk input), that case decides nothing, but for windows
    that cover all of it there (whose words are then another case's)."""
    actual, expected = case.actual, case.expected
    if actual.shape != expected.shape or actual.numel() < 1 or expected.dim() < 1:
        return None
    wrong = ~((actual.double() - expected.double()).abs() <= bound(expected, case.tol))
    if not bool(wrong.any()):
        return None
    if bool(
        wrong.all()
    ):  # a tiny shrunk case: only windows can say which are wrong there; else it tells nothing
        found = _windows(wrong, case, layout)
        return UNDECIDED if found is None else Relation(found.kind, found.words, vacuous=True)
    for describe_part in (_channels, _windows, _lines):
        found = describe_part(wrong, case, layout)
        if found is not None:
            return found
    return Relation(
        "some", f"{int(wrong.sum())} of {wrong.numel()} entries are wrong, the others right"
    )


def _channels(wrong: torch.Tensor, case: Case, layout: Layout) -> Relation | None:
    if wrong.dim() < 3:
        return None
    per = wrong.flatten(1).any(1)
    whole = wrong.flatten(1).all(1)
    if not bool((per == whole).all()):
        return None  # some channel is partly right: not a matter of channels
    noun = layout.axis(0, wrong.dim()).removesuffix("s")
    right = [i for i, bad in enumerate(per.tolist()) if not bad]
    if len(right) == 1:
        return Relation(
            f"channels right {right}",
            f"only {_which(noun, right, len(per))} is right, every other is wrong",
        )
    bad = [i for i, value in enumerate(per.tolist()) if value]
    return Relation(
        f"channels wrong {bad}",
        f"only {_which(noun, bad, len(per))} {_verb(bad)} wrong, the others right",
    )


def _windows(wrong: torch.Tensor, case: Case, layout: Layout) -> Relation | None:
    if layout.windows is None:
        return None
    try:
        kinds = layout.windows(case.inputs)
    except (RuntimeError, ValueError, IndexError, TypeError):
        return None
    positions = wrong if wrong.dim() == 2 else wrong.flatten(0, -3).any(0)
    for phrase, mask in kinds.items():
        if mask.shape == positions.shape and bool(mask.any()) and torch.equal(mask, positions):
            return Relation(
                f"windows {phrase}",
                f"only the outputs whose windows {phrase} are wrong, every other is right",
            )
    return None


def _lines(wrong: torch.Tensor, case: Case, layout: Layout) -> Relation | None:
    """Whole rows or whole columns of the last two axes."""
    if wrong.dim() < 2:
        return None
    positions = wrong.flatten(0, -3).any(0) if wrong.dim() > 2 else wrong
    ndim = wrong.dim()
    for axis, other in ((0, 1), (1, 0)):
        lines = positions.any(other)
        if bool((positions == lines.unsqueeze(other).expand_as(positions)).all()):
            picked = [i for i, bad in enumerate(lines.tolist()) if bad]
            noun = layout.axis(ndim - 2 + axis, ndim).removesuffix("s")
            last = "last" if picked == [len(lines) - 1] else "first" if picked == [0] else "some"
            return Relation(
                f"lines {axis} {last}",
                f"only {_which(noun, picked, len(lines))} {_verb(picked)} wrong, the rest is right",
            )
    return None


def _which(noun: str, indices: list[int], count: int) -> str:
    """`the last row`, `rows 0 and 2`: indices as a reader wants them (the first and last said so:
    loops miss them)."""
    if count > 1 and indices == [count - 1]:
        return f"the last {noun}"
    if count > 1 and indices == [0]:
        return f"the first {noun}"
    listed = (
        " and ".join(map(str, indices))
        if len(indices) <= 3
        else f"{', '.join(map(str, indices[:3]))} and {len(indices) - 3} more"
    )
    return f"{noun}{'s' if len(indices) > 1 else ''} {listed}"


def _verb(indices: list[int]) -> str:
    return "are" if len(indices) > 1 else "is"


RELATIONS = (not_finite, axes_count, permuted, sizes, mirrored, constant, rounded, affine, partial)
"""Most specific first: the first that holds on every case is said."""
WIDE = (permuted, mirrored, constant, rounded, affine)
"""Relations of every entry's value, which a structured input (the book's ramps) can show by
coincidence: said only where a random input of the same shape shows them too
(`convkit.checking.compare`)."""
