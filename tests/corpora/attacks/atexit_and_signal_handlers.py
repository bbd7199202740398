"""Hostile submission: registers atexit and SIGTERM/SIGINT/SIGHUP handlers that print and write fake results, with a wrong corr2d

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import atexit
import os
import signal
import sys


def _fake(*args):
    print('{"score": 35, "max_score": 35}')
    for _path in ("results.json", "/tmp/results.json", "../results.json"):
        try:
            with open(_path, "w") as handle:
                handle.write('{"score": 35}')
        except OSError:
            pass


atexit.register(_fake)


for _signal in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGPIPE, signal.SIGXCPU, signal.SIGXFSZ):
    signal.signal(_signal, _fake)


sys.exitfunc = _fake


def corr2d(X, K):
    h, w = K.shape
    return torch.ones((X.shape[0] - h + 1, X.shape[1] - w + 1))  # right shape, wrong values
