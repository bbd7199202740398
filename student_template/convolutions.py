"""Exercises for Dive into Deep Learning 6.2-6.5: convolutions, padding and stride, channels, pooling.

Replace each `raise NotImplementedError` with your code, then run `pytest` in this folder for the public
checks (the book's examples, one line each). The hidden checks that grade you use other, random inputs.
"""

import torch
from torch import nn


def corr2d(X, K):
    """Compute the 2-D cross-correlation of X with K (D2L 6.2.1); the kernel is not flipped.

    Args:
        X: tensor of shape (H, W), any real dtype (integer inputs are allowed).
        K: tensor of shape (h, w) with h <= H and w <= W.

    Returns:
        A new floating-point tensor Y of shape (H - h + 1, W - w + 1) with
        Y[i, j] = (X[i:i + h, j:j + w] * K).sum(), of the dtype torch gives X and K together,
        at least float32: integer X and a float32 K give float32, the kernel's fractions kept. Y must be differentiable with respect
        to X and K (autograd), and X and K must not be modified.
    """
    raise NotImplementedError("corr2d: not implemented yet")


class Conv2D(nn.Module):
    """A 2-D convolutional layer with one input and one output channel (D2L 6.2.2).

    Args:
        kernel_size: the kernel shape, a pair (h, w).

    Attributes:
        weight: nn.Parameter of shape kernel_size (any initialisation).
        bias: nn.Parameter of shape (1,).

    forward(x) takes x of shape (H, W) and returns corr2d(x, self.weight) + self.bias,
    a tensor of shape (H - h + 1, W - w + 1) through which gradients reach both parameters;
    forward must not modify x.
    """

    def __init__(self, kernel_size):
        super().__init__()
        raise NotImplementedError("Conv2D: not implemented yet")

    def forward(self, x):
        raise NotImplementedError("Conv2D: not implemented yet")


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    """Fit a bias-free kernel so that corr2d(X, kernel) approximates Y (D2L 6.2.4).

    Args:
        X: float tensor of shape (H, W).
        Y: float tensor of shape (H - h + 1, W - w + 1), the target output.
        kernel_size: the kernel shape (h, w).
        lr: the gradient-descent learning rate.
        epochs: the number of gradient steps.

    Returns:
        (kernel, losses): kernel is a tensor of shape kernel_size; losses is a list of
        `epochs` Python floats, the summed squared error ((Y_hat - Y) ** 2).sum() of each epoch.
        X and Y must not be modified.
    """
    raise NotImplementedError("learn_kernel: not implemented yet")


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    """Return the (height, width) of a convolution's output, as nn.Conv2d computes it (D2L 6.3).

    Args:
        input_size, kernel_size, padding, stride: each an int (same for both dimensions)
            or a pair (height, width); padding is added on each side.

    Returns:
        A tuple of two plain Python ints: floor((n + 2p - k) / s) + 1 per dimension.
    """
    raise NotImplementedError("conv_output_shape: not implemented yet")


def corr2d_pad_stride(X, K, padding=0, stride=1):
    """Zero-pad X on every side, then cross-correlate with K at the given stride (D2L 6.3).

    Args:
        X: float tensor of shape (H, W).
        K: float tensor of shape (h, w).
        padding: int or pair (p_h, p_w): zeros added on each side (top and bottom, left and right).
        stride: int or pair (s_h, s_w).

    Returns:
        A tensor of X's dtype (float32 stays float32) and of shape
        conv_output_shape((H, W), (h, w), padding, stride), numerically
        equal to F.conv2d(X[None, None], K[None, None], padding=padding, stride=stride)[0, 0].
        X and K must not be modified.
    """
    raise NotImplementedError("corr2d_pad_stride: not implemented yet")


def corr2d_multi_in(X, K):
    """Cross-correlate a multi-channel input with a multi-channel kernel (D2L 6.4.1).

    Args:
        X: float tensor of shape (c_i, H, W).
        K: float tensor of shape (c_i, h, w).

    Returns:
        A tensor of X's dtype (float32 stays float32) and of shape (H - h + 1, W - w + 1): the sum
        over channels c of corr2d(X[c], K[c]). X and K must not be modified.
    """
    raise NotImplementedError("corr2d_multi_in: not implemented yet")


def corr2d_multi_in_out(X, K):
    """Cross-correlate X with each of c_o multi-channel kernels (D2L 6.4.2).

    Args:
        X: float tensor of shape (c_i, H, W).
        K: float tensor of shape (c_o, c_i, h, w).

    Returns:
        A tensor of X's dtype (float32 stays float32) and of shape (c_o, H - h + 1, W - w + 1) whose
        channel o is corr2d_multi_in(X, K[o]). X and K must not be modified.
    """
    raise NotImplementedError("corr2d_multi_in_out: not implemented yet")


def corr2d_multi_in_out_1x1(X, K):
    """A 1x1 convolution computed as a single matrix multiplication (D2L 6.4.3).

    Args:
        X: float tensor of shape (c_i, H, W).
        K: float tensor of shape (c_o, c_i, 1, 1).

    Returns:
        A tensor of X's dtype (float32 stays float32) and of shape (c_o, H, W), equal to
        corr2d_multi_in_out(X, K). X and K must not be modified.
    """
    raise NotImplementedError("corr2d_multi_in_out_1x1: not implemented yet")


def pool2d(X, pool_size, mode='max'):
    """Max or average pooling with stride 1 and no padding (D2L 6.5).

    Args:
        X: float tensor of shape (H, W).
        pool_size: the window shape, a pair (p_h, p_w).
        mode: 'max' or 'avg'; anything else raises ValueError naming 'max' and 'avg'.

    Returns:
        A tensor of X's dtype (float32 stays float32) and of shape (H - p_h + 1, W - p_w + 1).
        X must not be modified.
    """
    raise NotImplementedError("pool2d: not implemented yet")
