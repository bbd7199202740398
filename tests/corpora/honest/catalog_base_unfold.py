# A correct vectorised submission (unfold, einsum): the base of the vectorised bug catalog.
import math

import torch

import torch.nn.functional as F

from torch import nn

def corr2d(X, K):
    if not X.is_floating_point():
        X = X.float()
    if not K.is_floating_point():
        K = K.float()
    h, w = K.shape
    patches = X.unfold(0, h, 1).unfold(1, w, 1)  # (H-h+1, W-w+1, h, w)
    return (patches * K).sum(dim=(-2, -1))

class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(kernel_size))
        self.bias = nn.Parameter(torch.randn(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias

def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.zeros(kernel_size, requires_grad=True)
    losses = []
    for _ in range(epochs):
        loss = ((corr2d(X, kernel) - Y) ** 2).sum()
        (grad,) = torch.autograd.grad(loss, kernel)
        with torch.no_grad():
            kernel.sub_(lr * grad)
        losses.append(float(loss))
    return kernel.detach().clone(), losses

def as_pair(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x, x)

def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    return tuple(
        (n + 2 * p - k) // s + 1
        for n, k, p, s in zip(as_pair(input_size), as_pair(kernel_size), as_pair(padding), as_pair(stride))
    )

def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = as_pair(padding)
    s_h, s_w = as_pair(stride)
    X = F.pad(X, (p_w, p_w, p_h, p_h))
    h, w = K.shape
    patches = X.unfold(0, h, s_h).unfold(1, w, s_w)
    return (patches * K).sum(dim=(-2, -1))

def corr2d_multi_in(X, K):
    return torch.stack([corr2d(X[c], K[c]) for c in range(X.shape[0])]).sum(dim=0)

def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d_multi_in(X, K[o]) for o in range(K.shape[0])], dim=0)

def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    Y = K.reshape(c_o, c_i) @ X.reshape(c_i, h * w)
    return Y.reshape(c_o, h, w)

def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    windows = X.unfold(0, p_h, 1).unfold(1, p_w, 1)
    if mode == 'max':
        return windows.amax(dim=(-2, -1))
    if mode == 'avg':
        return windows.mean(dim=(-2, -1))
    raise ValueError("mode should be 'max' or 'avg'")
