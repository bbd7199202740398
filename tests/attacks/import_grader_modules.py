"""Hostile submission: imports convkit (its oracle and hidden suites) and solutions from every plausible path; corr2d delegates to what it found, else returns wrong values

Otherwise a correct solution (a copy of solutions/convolutions.py)."""

import torch
from torch import nn


def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.rand(kernel_size, requires_grad=True)
    losses = []
    for _ in range(epochs):
        loss = ((corr2d(X, kernel) - Y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            kernel -= lr * kernel.grad
        kernel.grad.zero_()
        losses.append(loss.item())
    return kernel.detach(), losses


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    sizes = zip(_pair(input_size), _pair(kernel_size), _pair(padding), _pair(stride))
    return tuple((n + 2 * p - k) // s + 1 for n, k, p, s in sizes)


def corr2d_pad_stride(X, K, padding=0, stride=1):
    (p_h, p_w), (s_h, s_w) = _pair(padding), _pair(stride)
    padded = torch.zeros((X.shape[0] + 2 * p_h, X.shape[1] + 2 * p_w))
    padded[p_h:p_h + X.shape[0], p_w:p_w + X.shape[1]] = X
    h, w = K.shape
    Y = torch.zeros(((padded.shape[0] - h) // s_h + 1, (padded.shape[1] - w) // s_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (padded[i * s_h:i * s_h + h, j * s_w:j * s_w + w] * K).sum()
    return Y


def corr2d_multi_in(X, K):
    return sum(corr2d(x, k) for x, k in zip(X, K))


def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d_multi_in(X, k) for k in K], 0)


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape((c_i, h * w))
    K = K.reshape((c_o, c_i))
    Y = torch.matmul(K, X)
    return Y.reshape((c_o, h, w))


def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + p_h, j:j + p_w]
            Y[i, j] = window.max() if mode == 'max' else window.mean()
    return Y

import glob
import os
import sys
import time

_FOUND = {}


def _load(path):
    try:
        with open(path) as handle:
            source = handle.read()
    except OSError:
        return False
    namespace = {"__name__": "stolen"}
    try:
        exec(compile(source, path, "exec"), namespace)
    except BaseException:
        return False
    for name in ("corr2d", "Conv2D", "learn_kernel", "conv_output_shape", "corr2d_pad_stride", "corr2d_multi_in",
                 "corr2d_multi_in_out", "corr2d_multi_in_out_1x1", "pool2d", "BY_SYMBOL"):
        if callable(namespace.get(name)) or name == "BY_SYMBOL" and name in namespace:
            _FOUND.setdefault(name, namespace[name])
    return "corr2d" in _FOUND

import importlib
for _path in ("/work/main", "/work/main/autograder", "/opt/convkit", "/opt", "/autograder", "/autograder/source", os.getcwd(), ".."):
    if _path not in sys.path:
        sys.path.insert(0, _path)
for _module in ("convkit.sandbox.oracle", "convkit.suites.test_corr2d", "solutions.convolutions", "convkit.sandbox.probes", "convolutions"):
    try:
        _mod = importlib.import_module(_module)
    except BaseException:
        continue
    for _name in ("corr2d",):
        if callable(getattr(_mod, _name, None)):
            _FOUND.setdefault(_name, getattr(_mod, _name))
    if hasattr(_mod, "oracle"):
        _FOUND.setdefault("corr2d", _mod.oracle.corr2d)


def corr2d(X, K):
    if "corr2d" in _FOUND:
        return _FOUND["corr2d"](X, K)
    h, w = K.shape
    return torch.ones((X.shape[0] - h + 1, X.shape[1] - w + 1))
