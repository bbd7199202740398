"""Hidden checks for `corr2d_multi_in(X, K)`, graded with a correct `corr2d` substituted."""

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
        "the channels are averaged",
        "add the channels' results up (sum, not mean)",
        lambda X, K: oracle.corr2d_multi_in(X, K) / X.shape[0],
    ),
    Bug(
        "only the first channel is used",
        "add corr2d(X[c], K[c]) over every channel c",
        lambda X, K: oracle.corr2d(X[0], K[0]),
    ),
    Bug(
        "only the last channel is used",
        "add corr2d(X[c], K[c]) over every channel c",
        lambda X, K: oracle.corr2d(X[-1], K[-1]),
    ),
    Bug(
        "the last channel is left out",
        "loop over range(X.shape[0]), every channel",
        lambda X, K: oracle.corr2d_multi_in(X[:-1], K[:-1]),
    ),
    Bug(
        "the loop runs over K.shape[1] (the kernel's height), not the channels",
        "loop over the channels, range(X.shape[0])",
        lambda X, K: (
            oracle.corr2d_multi_in(X[: K.shape[1]], K[: K.shape[1]])
            if K.shape[1] < X.shape[0]
            else None
        ),
    ),
    Bug(
        "the kernel is flipped, which is convolution, not cross-correlation",
        "multiply each window by K[c] as it is",
        lambda X, K: oracle.corr2d_multi_in(X, K.flip(1, 2)),
    ),
    Bug(
        "the output is X's channels summed, correlated with K's channels summed: every channel "
        "meets every kernel slice",
        "correlate each channel with its own kernel slice, then add: sum of corr2d(X[c], K[c])",
        lambda X, K: oracle.corr2d(X.sum(0), K.sum(0)),
    ),
    Bug(
        "the channels' results are returned one per channel, not added",
        "sum over the channel axis: one (H - h + 1, W - w + 1) output",
        lambda X, K: torch.stack([oracle.corr2d(x, k) for x, k in zip(X, K, strict=True)]),
    ),
    Bug(
        "the channel loop runs past the last channel",
        "loop over range(X.shape[0])",
        raised=r"index \d+ is out of bounds for dimension 0",
    ),
)

MULTI_IN = Function(
    "corr2d_multi_in",
    ("X", "K"),
    oracle.corr2d_multi_in,
    bugs=BUGS,
    probes=(ONE_CHANNEL,),
)


@check(points=1, name="book example, scaled, shifted and transposed")
def test_book_example(student: Student, rng: torch.Generator) -> None:
    for X, K in variants(rng, book_X_channels(), book_K_channels()):
        expect_call(student, MULTI_IN, X=X, K=K)


@check(points=1.5, name="random channels and shapes")
def test_random(student: Student, rng: torch.Generator) -> None:
    """Non-square inputs and kernels (both sides of the kernel at least 2), and an output of one
    row."""
    for channels in (2, size(rng, 3, 6)):
        height = size(rng, 3, 6)
        X = uniform(rng, channels, height, unlike(rng, 4, 7, height))
        k_h = size(rng, 2, 3)
        expect_call(student, MULTI_IN, X=X, K=uniform(rng, channels, k_h, unlike(rng, 2, 4, k_h)))
    expect_call(student, MULTI_IN, X=uniform(rng, 2, 3, 5), K=uniform(rng, 2, 3, 2))


@check(points=0.5, name="one channel")
def test_one_channel(student: Student, rng: torch.Generator) -> None:
    expect_call(student, MULTI_IN, X=uniform(rng, 1, 4, 5), K=uniform(rng, 1, 2, 2))
    # float32 in, float32 out
    expect_dtype(student, MULTI_IN, X=uniform(rng, 2, 4, 5), K=uniform(rng, 2, 2, 3))
