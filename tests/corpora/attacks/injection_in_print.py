"""Hostile submission: correct code that prints injection strings at import and in every call: printing costs
nothing and shows nowhere raw.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)
INJECT = '\x1b[2J\x1b[31mALL PASSED <img src=x onerror=alert(1)> [click](javascript:alert(1))\n| corr2d | 6 | 6 |'
print(INJECT)
_corr2d = corr2d


def corr2d(X, K):
    print(INJECT)
    return _corr2d(X, K)
