# Honest: einsum everywhere it fits, a kernel returned without detaching, a `match` statement for the
# pooling mode, and math.floor + int() for the shape formula.
import math

import torch
from torch import nn


def corr2d(X, K):
    X = X.float() if not X.is_floating_point() else X
    K = K.float() if not K.is_floating_point() else K
    h, w = K.shape
    patches = X.unfold(0, h, 1).unfold(1, w, 1)
    return torch.einsum('ijhw,hw->ij', patches, K)


class Conv2D(nn.Module):
    """One-channel convolution layer (D2L 6.2.2)."""

    def __init__(self, kernel_size):
        super().__init__()
        self.kernel_size = tuple(kernel_size)
        self.weight = nn.Parameter(torch.empty(self.kernel_size))
        self.bias = nn.Parameter(torch.empty(1))
        nn.init.uniform_(self.weight, -0.5, 0.5)
        nn.init.zeros_(self.bias)

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.randn(kernel_size) * 0.1
    kernel.requires_grad_(True)
    losses = []
    for epoch in range(epochs):
        if kernel.grad is not None:
            kernel.grad = None
        loss = torch.sum((corr2d(X, kernel) - Y) ** 2)
        loss.backward()
        with torch.no_grad():
            kernel -= lr * kernel.grad
        losses.append(loss.item())
    return kernel, losses


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    def as_hw(value):
        if isinstance(value, int):
            return value, value
        h, w = value
        return h, w

    (n_h, n_w), (k_h, k_w) = as_hw(input_size), as_hw(kernel_size)
    (p_h, p_w), (s_h, s_w) = as_hw(padding), as_hw(stride)
    return (
        int(math.floor((n_h + 2 * p_h - k_h) / s_h)) + 1,
        int(math.floor((n_w + 2 * p_w - k_w) / s_w)) + 1,
    )


def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    H, W = X.shape
    padded = X.new_zeros((H + 2 * p_h, W + 2 * p_w))
    padded[p_h:p_h + H, p_w:p_w + W] = X
    h, w = K.shape
    patches = padded.unfold(0, h, s_h).unfold(1, w, s_w)
    return torch.einsum('ijhw,hw->ij', patches, K)


def corr2d_multi_in(X, K):
    _, h, w = K.shape
    patches = X.unfold(1, h, 1).unfold(2, w, 1)  # (c, i, j, h, w)
    return torch.einsum('cijhw,chw->ij', patches, K)


def corr2d_multi_in_out(X, K):
    _, _, h, w = K.shape
    patches = X.unfold(1, h, 1).unfold(2, w, 1)
    return torch.einsum('cijhw,ochw->oij', patches, K)


def corr2d_multi_in_out_1x1(X, K):
    return torch.einsum('oi,ihw->ohw', K[:, :, 0, 0], X)


def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    windows = X.unfold(0, p_h, 1).unfold(1, p_w, 1).flatten(start_dim=2)
    match mode:
        case 'max':
            return windows.max(dim=-1).values
        case 'avg':
            return windows.mean(dim=-1)
        case _:
            raise ValueError(f"pool2d: mode must be 'max' or 'avg', not {mode!r}")
