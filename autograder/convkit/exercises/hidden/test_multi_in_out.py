"""Hidden checks for `corr2d_multi_in_out(X, K)`, graded with correct earlier functions
substituted."""

from __future__ import annotations

import torch

from convkit.checking import (
    ONE_CHANNEL,
    Bug,
    Function,
    Student,
    book_K_channels,
    book_X_channels,
    check,
    expect_call,
    expect_dtype,
    oracle,
    size,
    uniform,
    unlike,
    variants,
)

BUGS = (
    Bug(
        "the output channels are summed into one",
        "keep one output channel per kernel K[o]",
        lambda X, K: oracle.corr2d_multi_in_out(X, K).sum(0, keepdim=True),
    ),
    Bug(
        "the output channels are added into one map",
        "keep one output channel per kernel K[o]",
        lambda X, K: oracle.corr2d_multi_in_out(X, K).sum(0),
    ),
    Bug(
        "only the first kernel is used, for every output channel",
        "output channel o is corr2d_multi_in(X, K[o])",
        lambda X, K: oracle.corr2d_multi_in_out(X, K)[:1].expand(K.shape[0], -1, -1),
    ),
    Bug(
        "the kernel is flipped, which is convolution, not cross-correlation",
        "use each K[o] as it is",
        lambda X, K: oracle.corr2d_multi_in_out(X, K.flip(2, 3)),
    ),
    Bug(
        "the output channels are in reverse order",
        "keep the kernels' order",
        lambda X, K: oracle.corr2d_multi_in_out(X, K).flip(0),
    ),
    Bug(
        "the input channels are averaged",
        "add them up: corr2d_multi_in sums over channels",
        lambda X, K: oracle.corr2d_multi_in_out(X, K) / X.shape[0],
    ),
    Bug(
        "torch.cat joins the outputs along an existing axis",
        "use torch.stack(outputs, 0), which adds the channel axis",
        lambda X, K: oracle.corr2d_multi_in_out(X, K).reshape(
            -1, oracle.corr2d_multi_in_out(X, K).shape[-1]
        ),
    ),
    Bug(
        "the outputs are stacked along the last axis",
        "stack them along a new first axis, torch.stack(outputs, 0)",
        lambda X, K: oracle.corr2d_multi_in_out(X, K).permute(1, 2, 0),
    ),
    Bug(
        "torch.cat needs tensors with a dimension to join along",
        "use torch.stack(outputs, 0) to add the channel axis",
        raised=r"zero-dimensional tensor .* cannot be concatenated",
    ),
)

MULTI_IN_OUT = Function(
    "corr2d_multi_in_out",
    ("X", "K"),
    oracle.corr2d_multi_in_out,
    bugs=BUGS,
    probes=(ONE_CHANNEL,),
    axes=("output channels", "rows", "columns"),
)


@check(points=1, name="book example, scaled, shifted and transposed")
def test_book_example(student: Student, rng: torch.Generator) -> None:
    K = book_K_channels()
    for X, K3 in variants(rng, book_X_channels(), torch.stack((K, K + 1, K + 2), 0)):
        expect_call(student, MULTI_IN_OUT, X=X, K=K3)


@check(points=2, name="random input and output channels")
def test_random(student: Student, rng: torch.Generator) -> None:
    """c_o differs from c_i, one of each alone; non-square inputs and kernels (both kernel sides at
    least 2)."""
    c_i = size(rng, 2, 3)
    for c_o, c_in in ((unlike(rng, 2, 4, c_i), c_i), (1, size(rng, 2, 3)), (size(rng, 2, 3), 1)):
        height, k_h = size(rng, 3, 6), size(rng, 2, 3)
        X = uniform(rng, c_in, height, unlike(rng, 4, 7, height))
        expect_call(
            student, MULTI_IN_OUT, X=X, K=uniform(rng, c_o, c_in, k_h, unlike(rng, 2, 3, k_h))
        )
    # float32 in, float32 out
    expect_dtype(student, MULTI_IN_OUT, X=uniform(rng, 2, 4, 5), K=uniform(rng, 3, 2, 2, 3))
