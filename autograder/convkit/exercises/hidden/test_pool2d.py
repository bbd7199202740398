"""Hidden checks for `pool2d(X, pool_size, mode='max')` against F.max_pool2d and F.avg_pool2d."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F

from convkit.checking import (
    Bug,
    CheckFailed,
    Function,
    NotImplementedYet,
    Student,
    StudentRaised,
    book_X,
    check,
    equal_pair,
    expect_call,
    expect_dtype,
    oracle,
    said,
    size,
    uniform,
    unlike,
    variants,
)

OTHER = {"max": "avg", "avg": "max"}


def non_overlapping(X: torch.Tensor, pool_size: tuple[int, int], mode: str) -> torch.Tensor:
    image = X[None, None].double()
    if mode == "max":  # two calls: mypy 1.10 cannot call the join of the two operators' types
        return F.max_pool2d(image, kernel_size=pool_size)[0, 0].to(X.dtype)
    return F.avg_pool2d(image, kernel_size=pool_size)[0, 0].to(X.dtype)


BUGS = (
    Bug(
        "max and avg are swapped",
        "mode='max' takes the maximum, mode='avg' the mean",
        lambda X, pool_size, mode: oracle.pool2d(X, pool_size, OTHER[mode]),
    ),
    Bug(
        "the window is summed, not averaged",
        "divide the window's sum by p_h * p_w (or take .mean())",
        lambda X, pool_size, mode: (
            oracle.pool2d(X, pool_size, "avg") * pool_size[0] * pool_size[1]
            if mode == "avg"
            else None
        ),
    ),
    Bug(
        "the average divides by p_h + p_w",
        "divide the window's sum by p_h * p_w (or take .mean())",
        lambda X, pool_size, mode: (
            oracle.pool2d(X, pool_size, "avg")
            * pool_size[0]
            * pool_size[1]
            / (pool_size[0] + pool_size[1])
            if mode == "avg"
            else None
        ),
    ),
    Bug(
        "the window's height and width are swapped",
        "the window is pool_size = (p_h, p_w): p_h rows by p_w columns",
        lambda X, pool_size, mode: oracle.pool2d(X, pool_size[::-1], mode),
    ),
    Bug(
        "the window is p_h by p_h; p_w is never used",
        "take windows of p_h rows by p_w columns",
        lambda X, pool_size, mode: oracle.pool2d(X, (pool_size[0], pool_size[0]), mode),
    ),
    Bug(
        "the windows do not overlap (a stride equal to the window)",
        "move the window one step at a time (stride 1), as corr2d does",
        non_overlapping,
    ),
    Bug(
        "the output has the input's shape (zeros_like(X)?)",
        "make it (H - p_h + 1, W - p_w + 1)",
        lambda X, pool_size, mode: F.pad(
            oracle.pool2d(X, pool_size, mode), (0, pool_size[1] - 1, 0, pool_size[0] - 1)
        ),
    ),
    Bug(
        "a valid mode is refused",
        "test `mode not in ('max', 'avg')`: `mode != 'max' or mode != 'avg'` is always true",
        raises="ValueError",
    ),
)


def windows(inputs: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """Output positions by the sign of their window's values (a hand-written maximum that starts at
    0 is wrong exactly where every value is negative)."""
    p_h, p_w = inputs["pool_size"]
    patches = inputs["X"].unfold(0, p_h, 1).unfold(1, p_w, 1).flatten(-2)
    return {
        "hold only negative values": patches.amax(-1) < 0,
        "hold only positive values": patches.amin(-1) > 0,
    }


POOL2D = Function(
    "pool2d",
    ("X", "pool_size"),
    oracle.pool2d,
    keywords=("mode",),
    bugs=BUGS,
    probes=(equal_pair("pool_size"),),
    windows=windows,
)


def window_sizes(rng: torch.Generator, X: torch.Tensor) -> list[tuple[int, int]]:
    h, w = X.shape  # the whole of X, a matrix
    return [(2, 2), (1, size(rng, 2, 3)), (size(rng, 2, 3), 1), (1, 1), (h, w)]


def non_square(rng: torch.Generator) -> torch.Tensor:
    height = size(rng, 4, 6)
    return uniform(rng, height, unlike(rng, 4, 7, height))


@check(points=1, name="book example, scaled, shifted and transposed")
def test_book_example(student: Student, rng: torch.Generator) -> None:
    for X, _ in variants(rng, book_X()):
        for mode in ("max", "avg"):
            expect_call(student, POOL2D, X=X, pool_size=(2, 2), mode=mode)


@check(points=1, name="max pooling, random windows")
def test_max(student: Student, rng: torch.Generator) -> None:
    """Its top-left 2 x 2 block all negative, so every window size meets a window of negative values
    only."""
    X = non_square(rng)
    X[:2, :2] = -X[:2, :2].abs() - 0.1
    for pool_size in window_sizes(rng, X):
        expect_call(student, POOL2D, X=X, pool_size=pool_size, mode="max")


@check(points=1, name="average pooling, random windows")
def test_avg(student: Student, rng: torch.Generator) -> None:
    X = non_square(rng)
    for pool_size in window_sizes(rng, X):
        expect_call(student, POOL2D, X=X, pool_size=pool_size, mode="avg")
    # float32 in, float32 out
    expect_dtype(student, POOL2D, X=uniform(rng, 3, 4), pool_size=(2, 3), mode="avg")


@check(points=1, name="an unknown mode raises ValueError naming the valid modes")
def test_invalid_mode(student: Student, rng: torch.Generator) -> None:
    for mode in ("min", "mean"):
        try:
            result = student.call("pool2d", uniform(rng, 3, 3), (2, 2), mode=mode).result
        except NotImplementedYet:
            raise
        except StudentRaised as error:
            if (
                not error.is_builtin("ValueError")
                or "max" not in error.message
                or "avg" not in error.message
            ):
                call = f"pool2d(X, (2, 2), mode={mode!r})"
                raise CheckFailed(
                    f"{said(call, error.account)}; expected a ValueError naming 'max' and 'avg'",
                    reason="wrong error for a bad mode",
                    bug=(
                        f'an unknown mode raises {error.kind}: raise ValueError("mode must be '
                        "'max' or 'avg'\")"
                        if not error.is_builtin("ValueError")
                        else "the ValueError does not name the valid modes: say that mode must "
                        "be 'max' or 'avg'"
                    ),
                ) from None
            continue
        raise CheckFailed(
            f"pool2d(X, (2, 2), mode={mode!r}) returned {type(result).__name__} instead of "
            "raising ValueError naming 'max' and 'avg'",
            reason="no error for a bad mode",
            bug="an unknown mode is not refused: end with raise ValueError(\"mode must be 'max' "
            "or 'avg'\")",
        )
