"""Hidden checks for `corr2d_multi_in(X, K)`, graded with a correct `corr2d` substituted."""

from __future__ import annotations

import torch

from convkit.judge import oracle
from convkit.judge.checks import check
from convkit.judge.draw import book_K_channels, book_X_channels, size, uniform, variants
from convkit.judge.feedback import expect_inputs_unchanged, expect_tensor, inputs
from convkit.judge.student import Student


def expect_multi_in(student: Student, X: torch.Tensor, K: torch.Tensor) -> None:
    where = inputs(X=X, K=K)
    result = student.call("corr2d_multi_in", X, K)
    expected = oracle.corr2d_multi_in(X, K)
    bugs = {
        "channels averaged instead of summed": lambda: expected / X.shape[0],
        "only the first channel is used": lambda: oracle.corr2d(X[0], K[0]),
        "only the last channel is used": lambda: oracle.corr2d(X[-1], K[-1]),
        "matches true convolution: the kernel is flipped": lambda: oracle.corr2d_multi_in(X, K.flip(1, 2)),
        "each channel is cross-correlated with the whole kernel stack's sum": lambda: oracle.corr2d(X.sum(0), K.sum(0)),
    }
    expect_inputs_unchanged(result.inputs_after, {"X": X, "K": K}, where)
    expect_tensor(result.result, expected, where=where, bugs=bugs)


@check(points=1, name="book example, scaled, shifted and transposed")
def test_book_example(student: Student, rng: torch.Generator) -> None:
    for X, K in variants(rng, book_X_channels(), book_K_channels()):
        expect_multi_in(student, X, K)  # type: ignore[arg-type]


@check(points=1.5, name="random channels and shapes")
def test_random(student: Student, rng: torch.Generator) -> None:
    for channels in (2, size(rng, 3, 6)):
        X = uniform(rng, channels, size(rng, 3, 6), size(rng, 4, 7))
        expect_multi_in(student, X, uniform(rng, channels, size(rng, 1, 3), size(rng, 2, 3)))


@check(points=0.5, name="one channel")
def test_one_channel(student: Student, rng: torch.Generator) -> None:
    expect_multi_in(student, uniform(rng, 1, 4, 5), uniform(rng, 1, 2, 2))
