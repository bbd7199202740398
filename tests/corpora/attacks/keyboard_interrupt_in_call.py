"""Hostile submission: corr2d raises KeyboardInterrupt (and pool2d raises GeneratorExit)

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

def corr2d(X, K):
    raise KeyboardInterrupt


def pool2d(X, pool_size, mode="max"):
    raise GeneratorExit
