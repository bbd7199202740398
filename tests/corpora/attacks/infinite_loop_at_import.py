"""Hostile submission: ignores SIGTERM/SIGINT/SIGHUP and loops forever at import (in its own statement); everything else is correct

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import signal


for _signal in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_signal, signal.SIG_IGN)


while True:
    pass
