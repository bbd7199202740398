"""Hostile submission: corr2d ignores SIGTERM/SIGINT and loops forever; every other function is correct

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import signal


def corr2d(X, K):
    for _signal in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM):
        signal.signal(_signal, signal.SIG_IGN)
    while True:
        pass
