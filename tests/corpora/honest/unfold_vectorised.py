# Honest: fully vectorised with Tensor.unfold, zeros-initialised kernel trained with torch.autograd.grad,
# conv_output_shape returning a tuple built from a generator.
import torch
import torch.nn.functional as F
from torch import nn


def _float(*tensors):
    return [t if t.is_floating_point() else t.to(torch.float32) for t in tensors]


def corr2d(X, K):
    X, K = _float(X, K)
    h, w = K.shape
    windows = X.unfold(0, h, 1).unfold(1, w, 1)  # (H-h+1, W-w+1, h, w)
    return (windows * K).sum(dim=(-2, -1))


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.zeros(kernel_size, requires_grad=True)
    losses = []
    for _ in range(epochs):
        loss = (corr2d(X, kernel) - Y).pow(2).sum()
        (grad,) = torch.autograd.grad(loss, kernel)
        with torch.no_grad():
            kernel.sub_(lr * grad)
        losses.append(float(loss))
    return kernel.detach(), losses


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    return tuple(
        (n + 2 * p - k) // s + 1
        for n, k, p, s in zip(*map(_pair, (input_size, kernel_size, padding, stride)))
    )


def corr2d_pad_stride(X, K, padding=0, stride=1):
    (p_h, p_w), (s_h, s_w) = _pair(padding), _pair(stride)
    X = F.pad(X, (p_w, p_w, p_h, p_h))
    h, w = K.shape
    return (X.unfold(0, h, s_h).unfold(1, w, s_w) * K).sum(dim=(-2, -1))


def corr2d_multi_in(X, K):
    _, h, w = K.shape
    windows = X.unfold(1, h, 1).unfold(2, w, 1)  # (c, H', W', h, w)
    return (windows * K[:, None, None]).sum(dim=(0, -2, -1))


def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d_multi_in(X, k) for k in K])


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    return (K.reshape(-1, c_i) @ X.reshape(c_i, -1)).reshape(-1, h, w)


def pool2d(X, pool_size, mode='max'):
    windows = X.unfold(0, pool_size[0], 1).unfold(1, pool_size[1], 1)
    if mode == 'max':
        return windows.amax(dim=(-2, -1))
    if mode == 'avg':
        return windows.mean(dim=(-2, -1))
    raise ValueError(f"unknown mode {mode!r}: use 'max' or 'avg'")
