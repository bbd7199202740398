"""Hostile submission: every function searches the worker's memory (gc, sys.modules, caller frames) for the grader's own correct implementation of itself and delegates to it; otherwise it raises

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import gc
import sys


_NAMES = {"corr2d": "corr2d", "Conv2D": "Conv2D", "learn_kernel": "learn_kernel", "conv_output_shape": "conv_output_shape",
          "corr2d_pad_stride": "corr2d_pad_stride", "corr2d_multi_in": "corr2d_multi_in",
          "corr2d_multi_in_out": "corr2d_multi_in_out", "corr2d_multi_in_out_1x1": "corr2d_multi_in_out_1x1", "pool2d": "pool2d"}


def _mine(obj):
    code = getattr(obj, "__code__", None) or getattr(getattr(obj, "__init__", None), "__code__", None)
    return code is not None and code.co_filename.startswith("<cell")


def _steal(name):
    for module in list(sys.modules.values()):
        for table in ("BY_SYMBOL",):
            found = getattr(module, table, None)
            if isinstance(found, dict) and name in found:
                return found[name]
        candidate = getattr(module, name, None)
        if candidate is not None and not _mine(candidate) and getattr(module, "__name__", "") != "submission":
            return candidate
    frame = sys._getframe(1)
    while frame is not None:
        for scope in (frame.f_globals, frame.f_locals):
            table = scope.get("BY_SYMBOL") or getattr(scope.get("oracle"), "BY_SYMBOL", None)
            if isinstance(table, dict) and name in table:
                return table[name]
        frame = frame.f_back
    for obj in gc.get_objects():
        if getattr(obj, "__name__", None) == name and callable(obj) and not _mine(obj):
            return obj
        if type(obj) is dict and obj.get("__name__") != "submission" and name in obj and callable(obj[name]) and not _mine(obj[name]):
            return obj[name]
    raise RuntimeError(f"found no {name} to steal")


def corr2d(X, K):
    return _steal("corr2d")(X, K)


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.inner = _steal("Conv2D")(kernel_size)

    def forward(self, x):
        return self.inner(x)


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    return _steal("learn_kernel")(X, Y, kernel_size, lr, epochs)


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    return _steal("conv_output_shape")(input_size, kernel_size, padding, stride)


def corr2d_pad_stride(X, K, padding=0, stride=1):
    return _steal("corr2d_pad_stride")(X, K, padding, stride)


def corr2d_multi_in(X, K):
    return _steal("corr2d_multi_in")(X, K)


def corr2d_multi_in_out(X, K):
    return _steal("corr2d_multi_in_out")(X, K)


def corr2d_multi_in_out_1x1(X, K):
    return _steal("corr2d_multi_in_out_1x1")(X, K)


def pool2d(X, pool_size, mode="max"):
    return _steal("pool2d")(X, pool_size, mode)
