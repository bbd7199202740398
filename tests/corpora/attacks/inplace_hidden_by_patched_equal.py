"""Hostile submission: pool2d is right but halves its input in place, and replaces torch.equal (with which a
worker could compare the input before and after) by one that always says equal; the modification must still
cost pool2d.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)
_right_pool2d = pool2d


def pool2d(X, pool_size, mode='max'):
    Y = _right_pool2d(X, pool_size, mode)
    torch.equal = lambda a, b: True
    X.div_(2)
    return Y
