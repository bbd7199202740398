"""Hidden checks for `corr2d_multi_in_out(X, K)`, graded with correct earlier functions substituted."""

from __future__ import annotations

import torch

from convkit.judge import oracle
from convkit.judge.checks import check
from convkit.judge.draw import book_K_channels, book_X_channels, size, uniform, variants
from convkit.judge.feedback import expect_inputs_unchanged, expect_tensor, inputs
from convkit.judge.student import Student


def expect_multi_in_out(student: Student, X: torch.Tensor, K: torch.Tensor) -> None:
    where = inputs(X=X, K=K)
    result = student.call("corr2d_multi_in_out", X, K)
    expected = oracle.corr2d_multi_in_out(X, K)
    bugs = {
        "output channels summed into one": lambda: expected.sum(0, keepdim=True),
        "only the first kernel is used for every output channel": lambda: expected[:1].expand_as(expected),
        "matches true convolution: the kernel is flipped": lambda: oracle.corr2d_multi_in_out(X, K.flip(2, 3)),
        "the output channels are in reverse order": lambda: expected.flip(0),
        "channels averaged instead of summed": lambda: expected / X.shape[0],
    }
    expect_inputs_unchanged(result.inputs_after, {"X": X, "K": K}, where)
    expect_tensor(result.result, expected, where=where, bugs=bugs)


@check(points=1, name="book example, scaled, shifted and transposed")
def test_book_example(student: Student, rng: torch.Generator) -> None:
    K = book_K_channels()
    for X, K3 in variants(rng, book_X_channels(), torch.stack((K, K + 1, K + 2), 0)):
        expect_multi_in_out(student, X, K3)  # type: ignore[arg-type]


@check(points=2, name="random input and output channels")
def test_random(student: Student, rng: torch.Generator) -> None:
    for c_o, c_i in ((size(rng, 2, 4), size(rng, 2, 3)), (1, size(rng, 2, 3)), (size(rng, 2, 3), 1)):
        X = uniform(rng, c_i, size(rng, 3, 6), size(rng, 4, 7))
        expect_multi_in_out(student, X, uniform(rng, c_o, c_i, size(rng, 1, 3), size(rng, 1, 3)))
