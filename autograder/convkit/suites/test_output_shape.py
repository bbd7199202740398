"""Hidden checks for `conv_output_shape(input_size, kernel_size, padding=0, stride=1)`."""

from __future__ import annotations

import math

import torch

from convkit.judge import oracle
from convkit.judge.checks import check
from convkit.judge.draw import dimension, size
from convkit.judge.errors import CheckFailed
from convkit.judge.feedback import kind
from convkit.judge.oracle import Size, pair
from convkit.judge.student import Student


def formula_bugs(n: Size, k: Size, p: Size, s: Size) -> dict[str, tuple[int, int]]:
    """Outputs of the usual wrong formulas, per dimension, keyed by what the student should read."""
    dims = list(zip(pair(n), pair(k), pair(p), pair(s), strict=True))
    bugs = {
        "the + 1 is missing": tuple((n_ + 2 * p_ - k_) // s_ for n_, k_, p_, s_ in dims),
        "padding is counted once; it is added on each side (2p)": tuple((n_ + p_ - k_) // s_ + 1 for n_, k_, p_, s_ in dims),
        "the division rounds up; use floor division //": tuple(math.ceil((n_ + 2 * p_ - k_) / s_) + 1 for n_, k_, p_, s_ in dims),
        "the stride divides the whole size (n + 2p - k + 1) / s": tuple((n_ + 2 * p_ - k_ + 1) // s_ for n_, k_, p_, s_ in dims),
        "the stride is ignored": tuple(n_ + 2 * p_ - k_ + 1 for n_, k_, p_, s_ in dims),
        "the division is rounded to the nearest integer; use floor division //": tuple(round((n_ + 2 * p_ - k_) / s_) + 1 for n_, k_, p_, s_ in dims),
        "the padding is added after dividing by the stride; pad first: (n + 2p - k) // s + 1": tuple((n_ - k_) // s_ + 1 + 2 * p_ for n_, k_, p_, s_ in dims),
    }
    return bugs  # type: ignore[return-value]


def expect_shape(student: Student, n: Size, k: Size, p: Size, s: Size) -> None:
    where = f"conv_output_shape({n}, {k}, padding={p}, stride={s})"
    value = student.call("conv_output_shape", n, k, padding=p, stride=s).result
    if type(value) not in (tuple, list) or len(value) != 2:
        raise CheckFailed(f"{where}: expected a tuple of two ints, got {kind(value)}", reason="not a pair of ints")
    if any(type(item) is not int for item in value):
        got = ", ".join(kind(item) for item in value)
        raise CheckFailed(f"{where}: expected plain Python ints, got {got}: use // and int()", reason="not plain ints")
    expected = oracle.conv_output_shape(n, k, p, s)
    if tuple(value) != expected:
        if tuple(value) == expected[::-1]:
            bug: str | None = "height and width are swapped"
        else:
            bug = next((text for text, shape in formula_bugs(n, k, p, s).items() if tuple(value) == shape), None)
        raise CheckFailed(f"{where}: expected {expected}, got {tuple(value)}", reason="wrong shape", bug=bug)


def case(h: tuple[int, int, int, int], w: tuple[int, int, int, int]) -> tuple[Size, Size, Size, Size]:
    return tuple(zip(h, w, strict=True))  # type: ignore[return-value]


BOOK_CASES: list[tuple[Size, Size, Size, Size]] = [(8, 3, 1, 1), (8, (5, 3), (2, 1), 1), (8, 3, 1, 2), (8, (3, 5), (0, 1), (3, 4))]


@check(points=1, name="book shapes, and the same with other input sizes")
def test_book_shapes(student: Student, rng: torch.Generator) -> None:
    for n, k, p, s in BOOK_CASES:
        expect_shape(student, n, k, p, s)
    for n, k, p, s in BOOK_CASES:
        expect_shape(student, (n + size(rng, 1, 9), n + size(rng, 1, 9)), k, p, s)


@check(points=1, name="random sizes, paddings and strides")
def test_random(student: Student, rng: torch.Generator) -> None:
    """One case per class, each non-square (height and width in different classes, different output sizes)."""
    k = (size(rng, 2, 4), size(rng, 5, 7))
    cases = [
        case(dimension(rng, 1, 0, k[0], 0, quotient=2), dimension(rng, 1, 0, k[1], 0, quotient=5)),  # no padding, stride 1
        case(dimension(rng, 1, 0, k[1], size(rng, 1, 2)), dimension(rng, 1, 0, k[0], 3)),  # padding, stride 1
        case(dimension(rng, 2, 0, k[0], size(rng, 1, 3)), dimension(rng, 3, 0, k[1], 2)),  # strides that divide
        case(dimension(rng, 4, 1, k[1], size(rng, 1, 3)), dimension(rng, 3, 2, k[0], 1)),  # remainders below, above half
        case(dimension(rng, 5, size(rng, 1, 4), 2, 1), dimension(rng, 4, 3, 3, 2)),  # stride above the kernel
        case(dimension(rng, 2, 1, k[1], 2), dimension(rng, 3, 2, k[1], 1)),  # stride below the kernel
    ]
    for n, kernel, p, s in cases:
        expect_shape(student, n, kernel, p, s)


@check(points=1, name="ints and pairs mixed")
def test_mixed_arguments(student: Student, rng: torch.Generator) -> None:
    kernel = size(rng, 2, 4)
    n, _, _, _ = dimension(rng, 2, 1, kernel, 2)
    expect_shape(student, n, (kernel, kernel + 1), 2, (2, 3))  # an int size and padding, pairs of kernel and stride
    h, w = dimension(rng, 3, 1, 3, 1), dimension(rng, 3, 2, 3, 1)
    expect_shape(student, (h[0], w[0]), 3, 1, 3)  # a pair of sizes, the rest ints
    expect_shape(student, 7, 7, 0, 1)  # kernel as large as the input: one output
