"""Hidden checks for `conv_output_shape(input_size, kernel_size, padding=0, stride=1)`."""

from __future__ import annotations

import math

import torch

from convkit.judge import oracle
from convkit.judge.checks import check
from convkit.judge.draw import size
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


@check(points=1, name="book shapes")
def test_book_shapes(student: Student, rng: torch.Generator) -> None:
    expect_shape(student, 8, 3, 1, 1)
    expect_shape(student, 8, (5, 3), (2, 1), 1)
    expect_shape(student, 8, 3, 1, 2)
    expect_shape(student, 8, (3, 5), (0, 1), (3, 4))


@check(points=1, name="random sizes, paddings and strides")
def test_random(student: Student, rng: torch.Generator) -> None:
    for _ in range(6):
        n = (size(rng, 8, 30), size(rng, 8, 30))
        k = (size(rng, 1, 7), size(rng, 1, 7))
        p = (size(rng, 0, 4), size(rng, 0, 4))
        s = (size(rng, 1, 5), size(rng, 1, 5))
        expect_shape(student, n, k, p, s)


@check(points=1, name="ints and pairs mixed")
def test_mixed_arguments(student: Student, rng: torch.Generator) -> None:
    expect_shape(student, (size(rng, 6, 12), size(rng, 13, 20)), 3, (2, 0), 2)
    expect_shape(student, 11, (2, 4), 3, (3, 1))
    expect_shape(student, 7, 7, 0, 1)
