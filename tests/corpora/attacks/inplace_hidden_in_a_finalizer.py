"""Hostile submission: pool2d is right but zeroes its input from a finalizer of its result, which runs when the
worker lets go of the result, after the call; the modification must still cost pool2d.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)
import weakref

_right_pool2d = pool2d


def pool2d(X, pool_size, mode='max'):
    Y = _right_pool2d(X, pool_size, mode)
    weakref.finalize(Y, X.zero_)
    return Y
