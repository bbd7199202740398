"""Hostile submission: corr2d forks as many sleeping children as it can (each forking again), and returns wrong values

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import os
import time


def corr2d(X, K):
    for _ in range(64):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                os.fork()
            except OSError:
                pass
            time.sleep(3600)
            os._exit(0)
    h, w = K.shape
    return torch.ones((X.shape[0] - h + 1, X.shape[1] - w + 1))
