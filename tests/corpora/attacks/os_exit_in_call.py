"""Hostile submission: corr2d calls os._exit(0) during the call

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import os


def corr2d(X, K):
    os._exit(0)
