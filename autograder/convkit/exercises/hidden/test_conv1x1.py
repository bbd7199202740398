"""Hidden checks for `corr2d_multi_in_out_1x1(X, K)` against F.conv2d."""

from __future__ import annotations

import torch

from convkit.checking import (
    ONE_CHANNEL,
    Bug,
    Function,
    Student,
    check,
    expect_call,
    expect_dtype,
    oracle,
    size,
    uniform,
    unlike,
)


def matrix(K: torch.Tensor) -> torch.Tensor:
    return K.reshape(K.shape[0], K.shape[1])


BUGS = (
    Bug(
        "height and width are mixed up when reshaping back",
        "reshape the (c_o, H * W) product to (c_o, H, W)",
        lambda X, K: (
            oracle.corr2d_multi_in_out_1x1(X, K)
            .reshape(K.shape[0], X.shape[2], X.shape[1])
            .transpose(1, 2)
        ),
    ),
    Bug(
        "the input channels are averaged",
        "add them up (the matrix product already does)",
        lambda X, K: oracle.corr2d_multi_in_out_1x1(X, K) / X.shape[0],
    ),
    Bug(
        "K is reshaped as (c_i, c_o) and transposed, which scrambles the weights",
        "reshape it as (c_o, c_i): K.reshape(c_o, c_i)",
        lambda X, K: (K.reshape(K.shape[1], K.shape[0]).T @ X.reshape(X.shape[0], -1)).reshape(
            K.shape[0], *X.shape[1:]
        ),
    ),
    Bug(
        "X is permuted before it is flattened, so its rows mix channels and pixels",
        "flatten it as it is: X.reshape(c_i, H * W)",
        lambda X, K: (matrix(K) @ X.permute(1, 2, 0).reshape(X.shape[0], -1)).reshape(
            K.shape[0], *X.shape[1:]
        ),
    ),
    Bug(
        "the product is X·Kᵀ read back as if it were K·X",
        "multiply K.reshape(c_o, c_i) @ X.reshape(c_i, H * W)",
        lambda X, K: (X.reshape(X.shape[0], -1).T @ matrix(K).T).reshape(K.shape[0], *X.shape[1:]),
    ),
    Bug(
        "the result is not reshaped back",
        "reshape the (c_o, H * W) product to (c_o, H, W)",
        lambda X, K: oracle.corr2d_multi_in_out_1x1(X, K).reshape(K.shape[0], -1),
    ),
    Bug(
        "the broadcast product is summed over the output channels",
        "sum over the input channels, dim=1 of the (c_o, c_i, H, W) product",
        lambda X, K: (matrix(K)[:, :, None, None] * X[None]).sum(0),
    ),
    Bug(
        "the matrix product's shapes do not match (K.squeeze() drops an axis of size 1?)",
        "reshape K to (c_o, c_i) and X to (c_i, H * W), whatever their sizes",
        raised=r"mat1 and mat2 shapes cannot be multiplied|size mismatch|both arguments to "
        r"matmul need to be at least 1D|Dimension out of range",
    ),
)

CONV1X1 = Function(
    "corr2d_multi_in_out_1x1",
    ("X", "K"),
    oracle.corr2d_multi_in_out_1x1,
    bugs=BUGS,
    probes=(ONE_CHANNEL,),
    tol=1e-4,
    axes=("output channels", "rows", "columns"),
)


@check(points=1, name="equals corr2d_multi_in_out on non-square inputs")
def test_non_square(student: Student, rng: torch.Generator) -> None:
    c_i = size(rng, 2, 4)
    c_o = unlike(rng, 2, 4, c_i)
    expect_call(
        student,
        CONV1X1,
        X=uniform(rng, c_i, size(rng, 2, 4), size(rng, 5, 7)),
        K=uniform(rng, c_o, c_i, 1, 1),
    )
    # float32 in, float32 out
    expect_dtype(student, CONV1X1, X=uniform(rng, c_i, 3, 4), K=uniform(rng, c_o, c_i, 1, 1))


@check(points=1, name="one input or one output channel")
def test_single_channel(student: Student, rng: torch.Generator) -> None:
    expect_call(student, CONV1X1, X=uniform(rng, 1, 3, 4), K=uniform(rng, size(rng, 2, 3), 1, 1, 1))
    c_i = size(rng, 2, 3)
    expect_call(student, CONV1X1, X=uniform(rng, c_i, 4, 3), K=uniform(rng, 1, c_i, 1, 1))
    expect_call(student, CONV1X1, X=uniform(rng, 3, 3, 3), K=uniform(rng, 2, 3, 1, 1))


@check(points=1, name="many channels")
def test_many_channels(student: Student, rng: torch.Generator) -> None:
    c_i, c_o = size(rng, 12, 16), size(rng, 6, 10)
    expect_call(student, CONV1X1, X=uniform(rng, c_i, 5, 6), K=uniform(rng, c_o, c_i, 1, 1))
