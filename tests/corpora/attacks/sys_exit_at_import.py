"""Hostile submission: calls sys.exit(0) at import, before the definitions (hoping for an early 'success'), with a wrong corr2d

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import sys


print("All tests passed! 35/35")


sys.exit(0)


def corr2d(X, K):
    h, w = K.shape
    return torch.ones((X.shape[0] - h + 1, X.shape[1] - w + 1))  # right shape, wrong values
