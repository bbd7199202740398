"""Hidden checks for `corr2d_multi_in_out_1x1(X, K)` against F.conv2d."""

from __future__ import annotations

import torch

from convkit.judge import oracle
from convkit.judge.checks import check
from convkit.judge.draw import size, uniform
from convkit.judge.feedback import expect_inputs_unchanged, expect_tensor, inputs
from convkit.judge.student import Student


def expect_1x1(student: Student, X: torch.Tensor, K: torch.Tensor) -> None:
    where = inputs(X=X, K=K) if X.numel() <= 16 else f"on X of shape {tuple(X.shape)}, K of shape {tuple(K.shape)}"
    result = student.call("corr2d_multi_in_out_1x1", X, K)
    expected = oracle.corr2d_multi_in_out_1x1(X, K)
    c_i, h, w = X.shape
    bugs = {
        "height and width mixed up when reshaping back": lambda: expected.reshape(-1, w, h).transpose(1, 2),
        "channels averaged instead of summed": lambda: expected / c_i,
    }
    expect_inputs_unchanged(result.inputs_after, {"X": X, "K": K}, where)
    expect_tensor(result.result, expected, where=where, bugs=bugs)


@check(points=1, name="equals corr2d_multi_in_out on non-square inputs")
def test_non_square(student: Student, rng: torch.Generator) -> None:
    c_i, c_o = size(rng, 2, 4), size(rng, 2, 4)
    expect_1x1(student, uniform(rng, c_i, size(rng, 2, 4), size(rng, 5, 7)), uniform(rng, c_o, c_i, 1, 1))


@check(points=1, name="one input or one output channel")
def test_single_channel(student: Student, rng: torch.Generator) -> None:
    expect_1x1(student, uniform(rng, 1, 3, 4), uniform(rng, size(rng, 2, 3), 1, 1, 1))
    c_i = size(rng, 2, 3)
    expect_1x1(student, uniform(rng, c_i, 4, 3), uniform(rng, 1, c_i, 1, 1))
    X = uniform(rng, 3, 3, 3)
    expect_1x1(student, X, uniform(rng, 2, 3, 1, 1))


@check(points=1, name="many channels")
def test_many_channels(student: Student, rng: torch.Generator) -> None:
    c_i, c_o = size(rng, 12, 16), size(rng, 6, 10)
    expect_1x1(student, uniform(rng, c_i, 5, 6), uniform(rng, c_o, c_i, 1, 1))
