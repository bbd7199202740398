"""Hostile submission: double-forks a setsid daemon at import that ignores SIGTERM/SIGHUP, closes its fds and sleeps forever (writing files now and then); the solution is otherwise correct

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import os
import signal
import time


if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _signal in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(_signal, signal.SIG_IGN)
        os.closerange(0, 1024)
        while True:
            try:
                with open("/tmp/convkit-daemon-was-here", "w") as _handle:
                    _handle.write(str(os.getpid()))
            except OSError:
                pass
            time.sleep(0.5)
    os._exit(0)
