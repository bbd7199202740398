"""Hidden checks for `conv_output_shape(input_size, kernel_size, padding=0, stride=1)`."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypedDict

import torch

from convkit.checking import (
    Bug,
    CheckFailed,
    Size,
    Student,
    StudentRaised,
    check,
    describe,
    dimension,
    explained,
    oracle,
    pair,
    size,
)


def per_dimension(formula: Callable[[int, int, int, int], int]) -> Callable[..., tuple[int, int]]:
    """A wrong formula applied to each dimension, as a bug's output from the call's arguments."""

    def output(n: Size, k: Size, p: Size, s: Size) -> tuple[int, int]:
        (n_h, n_w), (k_h, k_w), (p_h, p_w), (s_h, s_w) = pair(n), pair(k), pair(p), pair(s)
        return formula(n_h, k_h, p_h, s_h), formula(n_w, k_w, p_w, s_w)

    return output


def first_entry(name: str) -> Callable[..., tuple[int, int]]:
    """The right formula with a pair argument reduced to its first entry (the height's value used
    for both)."""

    def output(n: Size, k: Size, p: Size, s: Size) -> tuple[int, int]:
        arguments = {"input_size": n, "kernel_size": k, "padding": p, "stride": s}
        arguments[name] = pair(arguments[name])[0]
        return oracle.conv_output_shape(**arguments)

    return output


BUGS = (
    Bug(
        "the + 1 is missing",
        "floor((n + 2p - k) / s) + 1",
        per_dimension(lambda n, k, p, s: (n + 2 * p - k) // s),
    ),
    Bug(
        "padding is counted once",
        "it is added on each side: n + 2p - k",
        per_dimension(lambda n, k, p, s: (n + p - k) // s + 1),
    ),
    Bug(
        "the division rounds up",
        "use floor division //",
        per_dimension(lambda n, k, p, s: math.ceil((n + 2 * p - k) / s) + 1),
    ),
    Bug(
        "the + 1 is inside the division",
        "(n + 2p - k) // s + 1, not (n + 2p - k + 1) // s",
        per_dimension(lambda n, k, p, s: (n + 2 * p - k + 1) // s),
    ),
    Bug(
        "the stride is ignored",
        "divide by the stride: (n + 2p - k) // s + 1",
        per_dimension(lambda n, k, p, s: n + 2 * p - k + 1),
    ),
    Bug(
        "the division is rounded to the nearest integer",
        "use floor division //",
        per_dimension(lambda n, k, p, s: round((n + 2 * p - k) / s) + 1),
    ),
    Bug(
        "the padding is added after dividing by the stride",
        "pad first: (n + 2p - k) // s + 1",
        per_dimension(lambda n, k, p, s: (n - k) // s + 1 + 2 * p),
    ),
    Bug(
        "height and width are swapped",
        "return (height, width)",
        lambda n, k, p, s: oracle.conv_output_shape(n, k, p, s)[::-1],
    ),
    *(
        Bug(
            f"a pair {name} is reduced to its first entry",
            f"use the height's {name} for the height and the width's for the width",
            first_entry(key),
        )
        for name, key in (
            ("input size", "input_size"),
            ("kernel size", "kernel_size"),
            ("padding", "padding"),
            ("stride", "stride"),
        )
    ),
)

RAISED = (
    Bug(
        "a pair argument was treated as an int",
        "each argument can be an int or a pair: turn an int n into (n, n) first",
        raised=r"unsupported operand type\(s\) for .*'tuple'|'tuple' object|can only concatenate "
        r"tuple|not supported between instances of 'tuple'",
    ),
    Bug(
        "an int argument was treated as a pair",
        "each argument can be an int or a pair: turn an int n into (n, n) first",
        raised=r"'int' object is not (subscriptable|iterable)|cannot unpack non-iterable int",
    ),
)


class Spacing(TypedDict, total=False):
    """The padding and stride a case gives conv_output_shape, by keyword (left out: its default)."""

    padding: Size
    stride: Size


def answer(
    student: Student, n: Size, k: Size, p: Size | None = None, s: Size | None = None
) -> tuple[int, int]:
    """The student's answer for one case, which must be a tuple of two plain ints; padding and
    stride left out where None (their defaults then apply)."""
    given: Spacing = {}
    if p is not None:
        given["padding"] = p
    if s is not None:
        given["stride"] = s
    shown = [str(n), str(k), *(f"{name}={value}" for name, value in given.items())]
    where = f"conv_output_shape({', '.join(shown)})"
    try:
        value = student.call("conv_output_shape", n, k, **given).result
    except StudentRaised as error:
        raise explained(error, RAISED, where) from None
    if type(value) is list and len(value) == 2:
        raise CheckFailed(
            f"{where}: expected a tuple of two ints, got a list",
            reason="not a tuple",
            bug="it returns a list: return a tuple, (height, width)",
        )
    if type(value) is not tuple or len(value) != 2:
        raise CheckFailed(
            f"{where}: expected a tuple of two ints, got {describe(value)}",
            reason="not a pair of ints",
        )
    if any(type(item) is not int for item in value):
        got = ", ".join(describe(item) for item in value)
        raise CheckFailed(
            f"{where}: expected plain Python ints, got {got}",
            reason="not plain ints",
            bug=(
                "the sizes are floats (true division /): use floor division // so they stay ints"
                if any(type(item) is float for item in value)
                else "the sizes are not plain ints: return each as a Python int (int(...) "
                "converts numpy or torch numbers)"
            ),
        )
    return value


def expect_shapes(student: Student, cases: list[tuple[Size, Size, Size, Size]]) -> None:
    """Ask every case first, then name the wrong formula that gives all the student's answers (a
    single case often fits several)."""
    answers = [(case, answer(student, *case)) for case in cases]
    wrong = [(case, value) for case, value in answers if value != oracle.conv_output_shape(*case)]
    if not wrong:
        return
    bug = next(
        (bug for bug in BUGS if all(explains(bug, case, value) for case, value in answers)), None
    )
    (n, k, p, s), value = wrong[0]
    raise CheckFailed(
        f"conv_output_shape({n}, {k}, padding={p}, stride={s}): expected "
        f"{oracle.conv_output_shape(n, k, p, s)}, got {value}",
        reason="wrong shape",
        bug=str(bug) if bug else None,
    )


def explains(bug: Bug, case: tuple[Size, Size, Size, Size], value: tuple[int, int]) -> bool:
    try:
        return bug.output is not None and bug.output(*case) == value
    except (ValueError, ZeroDivisionError, RuntimeError):
        return False


def case(
    h: tuple[int, int, int, int], w: tuple[int, int, int, int]
) -> tuple[Size, Size, Size, Size]:
    n, k, p, s = zip(h, w, strict=True)
    return n, k, p, s


BOOK_CASES: list[tuple[int, Size, Size, Size]] = [
    (8, 3, 1, 1),
    (8, (5, 3), (2, 1), 1),
    (8, 3, 1, 2),
    (8, (3, 5), (0, 1), (3, 4)),
]


@check(points=1, name="book shapes, and the same with other input sizes")
def test_book_shapes(student: Student, rng: torch.Generator) -> None:
    variants = [((n + size(rng, 1, 9), n + size(rng, 1, 9)), k, p, s) for n, k, p, s in BOOK_CASES]
    expect_shapes(student, [*BOOK_CASES, *variants])


@check(points=1, name="random sizes, paddings and strides")
def test_random(student: Student, rng: torch.Generator) -> None:
    """One case per class, each non-square (height and width in different classes, different output
    sizes)."""
    k = (size(rng, 2, 4), size(rng, 5, 7))
    cases = [
        case(
            dimension(rng, 1, 0, k[0], 0, quotient=2), dimension(rng, 1, 0, k[1], 0, quotient=5)
        ),  # no padding, stride 1
        case(
            dimension(rng, 1, 0, k[1], size(rng, 1, 2)), dimension(rng, 1, 0, k[0], 3)
        ),  # padding, stride 1
        case(
            dimension(rng, 2, 0, k[0], size(rng, 1, 3)), dimension(rng, 3, 0, k[1], 2)
        ),  # strides that divide
        case(
            dimension(rng, 4, 1, k[1], size(rng, 1, 3)), dimension(rng, 3, 2, k[0], 1)
        ),  # remainders below, above half
        case(
            dimension(rng, 5, size(rng, 1, 4), 2, 1), dimension(rng, 4, 3, 3, 2)
        ),  # stride above the kernel
        case(
            dimension(rng, 2, 1, k[1], 2), dimension(rng, 3, 2, k[1], 1)
        ),  # stride below the kernel
    ]
    expect_shapes(student, cases)


@check(points=1, name="ints and pairs mixed")
def test_mixed_arguments(student: Student, rng: torch.Generator) -> None:
    kernel = size(rng, 2, 4)
    n, _, _, _ = dimension(rng, 2, 1, kernel, 2)
    quotient = size(rng, 1, 3)
    # unequal outputs
    h, w = (
        dimension(rng, 3, 1, 3, 1, quotient=quotient),
        dimension(rng, 3, 2, 3, 1, quotient=quotient + 1),
    )
    expect_shapes(
        student,
        [
            (
                n,
                (kernel, kernel + 1),
                2,
                (2, 3),
            ),  # an int size and padding, pairs of kernel and stride
            ((h[0], w[0]), 3, 1, 3),  # a pair of sizes, the rest ints
            (7, 7, 0, 1),  # kernel as large as the input: one output
        ],
    )
    defaults = ((h[0], w[0]), (2, 3))  # padding and stride left out: their defaults, 0 and 1
    value = answer(student, *defaults)
    if value != oracle.conv_output_shape(*defaults):
        raise CheckFailed(
            f"conv_output_shape({defaults[0]}, {defaults[1]}): expected "
            f"{oracle.conv_output_shape(*defaults)}, got {value}",
            reason="wrong shape",
            effect="it is wrong when padding and stride are left out, which mean padding=0 and "
            "stride=1",
        )
