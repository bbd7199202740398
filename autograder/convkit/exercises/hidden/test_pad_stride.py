"""Hidden checks for `corr2d_pad_stride(X, K, padding=0, stride=1)` against F.conv2d."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F

from convkit.checking import (
    Bug,
    Function,
    Size,
    Student,
    check,
    dimension,
    equal_pair,
    expect_call,
    expect_dtype,
    oracle,
    pair,
    size,
    uniform,
)


def padded(
    X: torch.Tensor, padding: Size, sides: str = "all", mode: str = "constant"
) -> torch.Tensor:
    (p_h, p_w) = pair(padding)
    left, right, top, bottom = {
        "all": (p_w, p_w, p_h, p_h),
        "top left": (p_w, 0, p_h, 0),
        "bottom right": (0, p_w, 0, p_h),
    }[sides]
    return F.pad(X[None, None], (left, right, top, bottom), mode=mode)[0, 0]


def strided(X: torch.Tensor, K: torch.Tensor, stride: Size) -> torch.Tensor:
    return oracle.corr2d_pad_stride(X, K, 0, stride)


BUGS = (
    Bug(
        "padding is added only at the top and left",
        "add p zeros on every side",
        lambda X, K, padding, stride: strided(padded(X, padding, "top left"), K, stride),
    ),
    Bug(
        "padding is added only at the bottom and right",
        "add p zeros on every side",
        lambda X, K, padding, stride: strided(padded(X, padding, "bottom right"), K, stride),
    ),
    Bug(
        "the padding is ignored",
        "surround X with p zeros before sliding the kernel",
        lambda X, K, padding, stride: strided(X, K, stride),
    ),
    Bug(
        "the stride is ignored",
        "move the window s rows or columns at a time",
        lambda X, K, padding, stride: oracle.corr2d_pad_stride(X, K, padding, 1),
    ),
    Bug(
        "the kernel is flipped, which is convolution, not cross-correlation",
        "multiply each window by K as it is",
        lambda X, K, padding, stride: oracle.corr2d_pad_stride(X, K.flip(0, 1), padding, stride),
    ),
    Bug(
        "the padding's height and width are swapped",
        "pad p_h rows at the top and bottom, p_w columns at the left and right (F.pad takes the "
        "last axis first)",
        lambda X, K, padding, stride: oracle.corr2d_pad_stride(X, K, pair(padding)[::-1], stride),
    ),
    Bug(
        "the stride's height and width are swapped",
        "move by s_h down the rows and s_w along the columns",
        lambda X, K, padding, stride: oracle.corr2d_pad_stride(X, K, padding, pair(stride)[::-1]),
    ),
    Bug(
        "the zeros are added around the output, after the stride",
        "pad X before sliding the kernel",
        lambda X, K, padding, stride: F.pad(
            strided(X, K, stride), (pair(padding)[1],) * 2 + (pair(padding)[0],) * 2
        ),
    ),
    Bug(
        "the padding copies the edge values",
        "pad with zeros (F.pad's default mode)",
        lambda X, K, padding, stride: strided(padded(X, padding, mode="replicate"), K, stride),
    ),
    Bug(
        "the stride is applied along the height only",
        "start column j's window at j * s_w",
        lambda X, K, padding, stride: oracle.corr2d_pad_stride(X, K, padding, (pair(stride)[0], 1))[
            :, : oracle.corr2d_pad_stride(X, K, padding, stride).shape[1]
        ],
    ),
    Bug(
        "the stride is applied along the width only",
        "start row i's window at i * s_h",
        lambda X, K, padding, stride: oracle.corr2d_pad_stride(X, K, padding, (1, pair(stride)[1]))[
            : oracle.corr2d_pad_stride(X, K, padding, stride).shape[0]
        ],
    ),
    Bug(
        "X is copied into padded[p:-p], which is empty when p is 0",
        "copy it into padded[p_h:p_h + H, p_w:p_w + W]",
        raised=r"cannot be broadcast to indexing result of shape \[(0, \d+|\d+, 0)\]",
    ),
)


def windows(inputs: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    """Output positions by where their window lies: in the padding on one side or another, or inside
    X."""
    (p_h, p_w), (s_h, s_w) = pair(inputs.get("padding", 0)), pair(inputs.get("stride", 1))
    (H, W), (k_h, k_w) = inputs["X"].shape, inputs["K"].shape
    rows, columns = oracle.corr2d_pad_stride(inputs["X"], inputs["K"], (p_h, p_w), (s_h, s_w)).shape
    top = torch.arange(rows) * s_h < p_h
    bottom = torch.arange(rows) * s_h + k_h > p_h + H
    left = torch.arange(columns) * s_w < p_w
    right = torch.arange(columns) * s_w + k_w > p_w + W
    near, far = top[:, None] | left[None, :], bottom[:, None] | right[None, :]
    return {
        "reach into the padding": near | far,
        "reach into the top or left padding": near,
        "reach into the bottom or right padding": far,
    }


PAD_STRIDE = Function(
    "corr2d_pad_stride",
    ("X", "K"),
    oracle.corr2d_pad_stride,
    keywords=("padding", "stride"),
    bugs=BUGS,
    probes=(equal_pair("stride"), equal_pair("padding")),
    windows=windows,
)


def expect_case(
    student: Student,
    rng: torch.Generator,
    h: tuple[int, int, int, int],
    w: tuple[int, int, int, int],
) -> None:
    """One case from a (n, k, p, s) per dimension, as `dimension` draws them."""
    (n_h, k_h, p_h, s_h), (n_w, k_w, p_w, s_w) = h, w
    expect_call(
        student,
        PAD_STRIDE,
        X=uniform(rng, n_h, n_w),
        K=uniform(rng, k_h, k_w),
        padding=(p_h, p_w),
        stride=(s_h, s_w),
    )


@check(points=1, name="book shapes")
def test_book_shapes(student: Student, rng: torch.Generator) -> None:
    X = uniform(rng, 8, 8)
    for kernel, padding, stride in (
        ((3, 3), 1, 1),
        ((5, 3), (2, 1), 1),
        ((3, 3), 1, 2),
        ((3, 5), (0, 1), (3, 4)),
    ):
        expect_call(
            student, PAD_STRIDE, X=X, K=uniform(rng, *kernel), padding=padding, stride=stride
        )


@check(points=1, name="padding, including more than the kernel's half")
def test_padding(student: Student, rng: torch.Generator) -> None:
    X = uniform(rng, size(rng, 3, 5), size(rng, 4, 6))
    for kernel, padding in (((2, 2), 3), ((3, 2), (1, 2)), ((1, 3), (2, 0))):
        expect_call(student, PAD_STRIDE, X=X, K=uniform(rng, *kernel), padding=padding, stride=1)
    # a remainder of 1 along the height
    (n_h, k_h, p_h, s_h), (n_w, k_w, p_w, s_w) = (
        dimension(rng, 2, 1, 2, 1),
        dimension(rng, 1, 0, 3, 2),
    )
    expect_dtype(
        student,
        PAD_STRIDE,
        X=uniform(rng, n_h, n_w),
        K=uniform(rng, k_h, k_w),
        padding=(p_h, p_w),
        stride=(s_h, s_w),
    )


@check(points=1, name="stride, including more than the kernel")
def test_stride(student: Student, rng: torch.Generator) -> None:
    """Strides that divide the size and strides that leave a remainder, in both dimensions, on every
    seed."""
    expect_case(
        student, rng, dimension(rng, 3, 0, 2, 0, quotient=2), dimension(rng, 3, 1, 2, 0, quotient=3)
    )
    expect_case(
        student, rng, dimension(rng, 2, 1, 2, 0, quotient=3), dimension(rng, 4, 2, 3, 0, quotient=2)
    )
    expect_case(
        student, rng, dimension(rng, 3, 2, 1, 0, quotient=2), dimension(rng, 2, 0, 1, 0, quotient=4)
    )


@check(points=1.5, name="padding and stride together, as pairs")
def test_pairs(student: Student, rng: torch.Generator) -> None:
    """Padding and stride differ between height and width; remainders of zero, below and above half
    a stride."""
    expect_case(
        student,
        rng,
        dimension(rng, 2, 0, size(rng, 1, 3), 1),
        dimension(rng, 3, 2, size(rng, 2, 4), 2),
    )
    expect_case(
        student,
        rng,
        dimension(rng, 4, 1, size(rng, 2, 4), 3),
        dimension(rng, 2, 0, size(rng, 1, 3), 0),
    )
    expect_case(
        student,
        rng,
        dimension(rng, 3, size(rng, 0, 2), size(rng, 1, 4), 2),
        dimension(rng, 1, 0, size(rng, 1, 4), 1),
    )


@check(points=0.5, name="kernel as large as the padded input")
def test_full_kernel(student: Student, rng: torch.Generator) -> None:
    X = uniform(rng, size(rng, 2, 4), size(rng, 3, 5))
    expect_call(
        student,
        PAD_STRIDE,
        X=X,
        K=uniform(rng, X.shape[0] + 2, X.shape[1] + 2),
        padding=1,
        stride=2,
    )
