"""Hostile submission: pool2d is right but zeroes its input in place, then gives the input a class of its own, so
that a check comparing only exact tensors would not look at it; the modification must still cost pool2d.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)
_right_pool2d = pool2d


class _Quiet(torch.Tensor):
    pass


def pool2d(X, pool_size, mode='max'):
    Y = _right_pool2d(X, pool_size, mode)
    X.zero_()
    X.__class__ = _Quiet
    return Y
