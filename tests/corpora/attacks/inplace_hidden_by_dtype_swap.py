"""Hostile submission: pool2d is right but zeroes its input in place, then gives the input new data of a dtype a
worker cannot send back (bfloat16); the modification must still cost pool2d.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)
_right_pool2d = pool2d


def pool2d(X, pool_size, mode='max'):
    Y = _right_pool2d(X, pool_size, mode)
    X.zero_()
    X.data = torch.zeros(X.shape, dtype=torch.bfloat16)
    return Y
