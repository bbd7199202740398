"""Hostile submission: pool2d is right but zeroes its input in place, and leaves a torch function mode and a
dispatch mode on that answer every equality test with True; the modification must still cost pool2d.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode

_right_pool2d = pool2d


class _AllEqual(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func in (torch.equal, torch.allclose):
            return True
        return func(*args, **(kwargs or {}))


class _AllEqualBelow(TorchDispatchMode):
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func is torch.ops.aten.equal.default:
            return True
        return func(*args, **(kwargs or {}))


def pool2d(X, pool_size, mode='max'):
    Y = _right_pool2d(X, pool_size, mode)
    X.zero_()
    _AllEqual().__enter__()
    _AllEqualBelow().__enter__()
    return Y
