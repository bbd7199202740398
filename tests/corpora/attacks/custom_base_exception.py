"""Hostile submission: corr2d raises a custom BaseException whose __str__ and __repr__ themselves raise

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

class Escape(BaseException):
    def __str__(self):
        raise Escape()
    def __repr__(self):
        raise SystemExit(0)


def corr2d(X, K):
    raise Escape()
