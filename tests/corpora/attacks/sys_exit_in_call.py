"""Hostile submission: corr2d calls sys.exit(0) (and raise SystemExit) instead of returning

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import sys


def corr2d(X, K):
    print("35/35")
    sys.exit(0)
