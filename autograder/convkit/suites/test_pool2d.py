"""Hidden checks for `pool2d(X, pool_size, mode='max')` against F.max_pool2d and F.avg_pool2d."""

from __future__ import annotations

import torch

from convkit.judge import oracle
from convkit.judge.checks import check
from convkit.judge.draw import book_X, size, uniform, unlike, variants
from convkit.judge.errors import CheckFailed, NotImplementedYet, StudentRaised
from convkit.judge.feedback import expect_inputs_unchanged, expect_tensor, inputs
from convkit.judge.student import Student


def expect_pool(student: Student, X: torch.Tensor, pool_size: tuple[int, int], mode: str) -> None:
    where = inputs(X=X) + f", pool_size={pool_size}, mode={mode!r}"
    result = student.call("pool2d", X, pool_size, mode=mode)
    other = "avg" if mode == "max" else "max"
    bugs = {
        "max and avg swapped": lambda: oracle.pool2d(X, pool_size, other),
        "the window is summed, not averaged": lambda: oracle.pool2d(X, pool_size, "avg") * pool_size[0] * pool_size[1],
        "the window's height and width are swapped": lambda: oracle.pool2d(X, pool_size[::-1], mode),
    }
    expect_inputs_unchanged(result.inputs_after, {"X": X}, where)
    expect_tensor(result.result, oracle.pool2d(X, pool_size, mode), where=where, bugs=bugs)


def windows(rng: torch.Generator, X: torch.Tensor) -> list[tuple[int, int]]:
    return [(2, 2), (1, size(rng, 2, 3)), (size(rng, 2, 3), 1), (1, 1), tuple(X.shape)]  # type: ignore[list-item]


def non_square(rng: torch.Generator) -> torch.Tensor:
    height = size(rng, 4, 6)
    return uniform(rng, height, unlike(rng, 4, 7, height))


@check(points=1, name="book example, scaled, shifted and transposed")
def test_book_example(student: Student, rng: torch.Generator) -> None:
    for X, _ in variants(rng, book_X()):
        expect_pool(student, X, (2, 2), "max")
        expect_pool(student, X, (2, 2), "avg")


@check(points=1, name="max pooling, random windows")
def test_max(student: Student, rng: torch.Generator) -> None:
    X = non_square(rng)
    for pool_size in windows(rng, X):
        expect_pool(student, X, pool_size, "max")


@check(points=1, name="average pooling, random windows")
def test_avg(student: Student, rng: torch.Generator) -> None:
    X = non_square(rng)
    for pool_size in windows(rng, X):
        expect_pool(student, X, pool_size, "avg")


@check(points=1, name="an unknown mode raises ValueError naming the valid modes")
def test_invalid_mode(student: Student, rng: torch.Generator) -> None:
    for mode in ("min", "mean"):
        try:
            result = student.call("pool2d", uniform(rng, 3, 3), (2, 2), mode=mode).result
        except NotImplementedYet:
            raise
        except StudentRaised as error:
            message = str(error)
            if not message.startswith("raised ValueError") or "max" not in message or "avg" not in message:
                raise CheckFailed(
                    f"pool2d(X, (2, 2), mode={mode!r}) {message}; expected a ValueError naming 'max' and 'avg'",
                    reason="wrong error for a bad mode",
                ) from None
            continue
        raise CheckFailed(
            f"pool2d(X, (2, 2), mode={mode!r}) returned {type(result).__name__} instead of raising ValueError naming 'max' and 'avg'",
            reason="no error for a bad mode",
        )
