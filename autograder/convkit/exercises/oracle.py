"""Correct versions of every question, written with torch's own operators (never with `solutions/`).

The judge computes expected values with them, so CI checks the loop-style reference independently;
the worker substitutes them for the questions before the one being graded, so a bug in `corr2d`
costs points only once.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

Size = int | tuple[int, int]


def pair(value: Size) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def as_float(*tensors: torch.Tensor) -> list[torch.Tensor]:
    dtype = torch.get_default_dtype()
    for tensor in tensors:
        if tensor.is_floating_point():
            dtype = torch.promote_types(dtype, tensor.dtype)
    return [tensor.to(dtype) for tensor in tensors]


def corr2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    X, K = as_float(X, K)
    return F.conv2d(X[None, None], K[None, None])[0, 0]


class Conv2D(nn.Module):
    def __init__(self, kernel_size: tuple[int, int]) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return corr2d(x, self.weight) + self.bias


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):  # noqa: ANN001, ANN201 - the book's signature
    kernel = torch.zeros(kernel_size, requires_grad=True)
    losses = []
    for _ in range(epochs):
        loss = ((corr2d(X, kernel) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            assert kernel.grad is not None  # backward() just filled it
            kernel -= lr * kernel.grad
            kernel.grad.zero_()
        losses.append(loss.item())
    return kernel.detach(), losses


def conv_output_shape(
    input_size: Size, kernel_size: Size, padding: Size = 0, stride: Size = 1
) -> tuple[int, int]:
    """Read off the shape nn.Conv2d's own operator produces, rather than restating the formula."""
    (n_h, n_w), (k_h, k_w) = pair(input_size), pair(kernel_size)
    out = F.conv2d(
        torch.zeros(1, 1, n_h, n_w),
        torch.zeros(1, 1, k_h, k_w),
        padding=pair(padding),
        stride=pair(stride),
    )
    return int(out.shape[2]), int(out.shape[3])


def corr2d_pad_stride(
    X: torch.Tensor, K: torch.Tensor, padding: Size = 0, stride: Size = 1
) -> torch.Tensor:
    X, K = as_float(X, K)
    return F.conv2d(X[None, None], K[None, None], padding=pair(padding), stride=pair(stride))[0, 0]


def corr2d_multi_in(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    X, K = as_float(X, K)
    return F.conv2d(X[None], K[None])[0, 0]


def corr2d_multi_in_out(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    X, K = as_float(X, K)
    return F.conv2d(X[None], K)[0]


def corr2d_multi_in_out_1x1(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    return corr2d_multi_in_out(X, K)


def pool2d(X: torch.Tensor, pool_size: tuple[int, int], mode: str = "max") -> torch.Tensor:
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d if mode == "avg" else None
    if pool is None:
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    (X,) = as_float(X)
    return pool(X[None, None], kernel_size=pair(pool_size), stride=1)[0, 0]


BY_SYMBOL = {
    "corr2d": corr2d,
    "Conv2D": Conv2D,
    "learn_kernel": learn_kernel,
    "conv_output_shape": conv_output_shape,
    "corr2d_pad_stride": corr2d_pad_stride,
    "corr2d_multi_in": corr2d_multi_in,
    "corr2d_multi_in_out": corr2d_multi_in_out,
    "corr2d_multi_in_out_1x1": corr2d_multi_in_out_1x1,
    "pool2d": pool2d,
}
