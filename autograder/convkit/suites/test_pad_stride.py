"""Hidden checks for `corr2d_pad_stride(X, K, padding=0, stride=1)` against F.conv2d."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from convkit.judge import oracle
from convkit.judge.checks import check
from convkit.judge.draw import dimension, size, uniform
from convkit.judge.feedback import Bugs, expect_inputs_unchanged, expect_tensor, inputs
from convkit.judge.oracle import Size, pair
from convkit.judge.student import Student


def pad_stride_bugs(X: torch.Tensor, K: torch.Tensor, padding: Size, stride: Size) -> Bugs:
    (p_h, p_w), (s_h, s_w) = pair(padding), pair(stride)
    return {
        "padding is added only at the top and left": lambda: oracle.corr2d_pad_stride(F.pad(X, (p_w, 0, p_h, 0)), K, 0, stride),
        "padding is added only at the bottom and right": lambda: oracle.corr2d_pad_stride(F.pad(X, (0, p_w, 0, p_h)), K, 0, stride),
        "the padding is ignored": lambda: oracle.corr2d_pad_stride(X, K, 0, stride),
        "the stride is ignored": lambda: oracle.corr2d_pad_stride(X, K, padding, 1),
        "matches true convolution: the kernel is flipped": lambda: oracle.corr2d_pad_stride(X, K.flip(0, 1), padding, stride),
        "the padding's height and width are swapped": lambda: oracle.corr2d_pad_stride(X, K, (p_w, p_h), stride),
        "the stride's height and width are swapped": lambda: oracle.corr2d_pad_stride(X, K, padding, (s_w, s_h)),
        "the zeros are added around the output, after the stride; pad X before sliding the kernel": lambda: F.pad(
            oracle.corr2d_pad_stride(X, K, 0, stride), (p_w, p_w, p_h, p_h)
        ),
    }


def expect_pad_stride(student: Student, X: torch.Tensor, K: torch.Tensor, padding: Size, stride: Size) -> None:
    where = inputs(X=X, K=K) + f", padding={padding}, stride={stride}"
    result = student.call("corr2d_pad_stride", X, K, padding=padding, stride=stride)
    expected = oracle.corr2d_pad_stride(X, K, padding, stride)
    expect_inputs_unchanged(result.inputs_after, {"X": X, "K": K}, where)
    expect_tensor(result.result, expected, where=where, bugs=pad_stride_bugs(X, K, padding, stride))


@check(points=1, name="book shapes")
def test_book_shapes(student: Student, rng: torch.Generator) -> None:
    X = uniform(rng, 8, 8)
    expect_pad_stride(student, X, uniform(rng, 3, 3), 1, 1)
    expect_pad_stride(student, X, uniform(rng, 5, 3), (2, 1), 1)
    expect_pad_stride(student, X, uniform(rng, 3, 3), 1, 2)
    expect_pad_stride(student, X, uniform(rng, 3, 5), (0, 1), (3, 4))


@check(points=1, name="padding, including more than the kernel's half")
def test_padding(student: Student, rng: torch.Generator) -> None:
    X = uniform(rng, size(rng, 3, 5), size(rng, 4, 6))
    expect_pad_stride(student, X, uniform(rng, 2, 2), 3, 1)
    expect_pad_stride(student, X, uniform(rng, 3, 2), (1, 2), 1)
    expect_pad_stride(student, X, uniform(rng, 1, 3), (2, 0), 1)


def expect_case(student: Student, rng: torch.Generator, h: tuple[int, int, int, int], w: tuple[int, int, int, int]) -> None:
    """One case from a (n, k, p, s) per dimension, as `dimension` draws them."""
    (n_h, k_h, p_h, s_h), (n_w, k_w, p_w, s_w) = h, w
    expect_pad_stride(student, uniform(rng, n_h, n_w), uniform(rng, k_h, k_w), (p_h, p_w), (s_h, s_w))


@check(points=1, name="stride, including more than the kernel")
def test_stride(student: Student, rng: torch.Generator) -> None:
    """Strides that divide the size and strides that leave a remainder, in both dimensions, on every seed."""
    expect_case(student, rng, dimension(rng, 3, 0, 2, 0, quotient=2), dimension(rng, 3, 1, 2, 0, quotient=3))
    expect_case(student, rng, dimension(rng, 2, 1, 2, 0, quotient=3), dimension(rng, 4, 2, 3, 0, quotient=2))
    expect_case(student, rng, dimension(rng, 3, 2, 1, 0, quotient=2), dimension(rng, 2, 0, 1, 0, quotient=4))


@check(points=1.5, name="padding and stride together, as pairs")
def test_pairs(student: Student, rng: torch.Generator) -> None:
    """Padding and stride differ between height and width; remainders of zero, below and above half a stride."""
    expect_case(student, rng, dimension(rng, 2, 0, size(rng, 1, 3), 1), dimension(rng, 3, 2, size(rng, 2, 4), 2))
    expect_case(student, rng, dimension(rng, 4, 1, size(rng, 2, 4), 3), dimension(rng, 2, 0, size(rng, 1, 3), 0))
    expect_case(student, rng, dimension(rng, 3, size(rng, 0, 2), size(rng, 1, 4), 2), dimension(rng, 1, 0, size(rng, 1, 4), 1))


@check(points=0.5, name="kernel as large as the padded input")
def test_full_kernel(student: Student, rng: torch.Generator) -> None:
    X = uniform(rng, size(rng, 2, 4), size(rng, 3, 5))
    expect_pad_stride(student, X, uniform(rng, X.shape[0] + 2, X.shape[1] + 2), 1, 2)
