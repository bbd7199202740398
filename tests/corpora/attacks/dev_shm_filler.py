"""Hostile submission: fills '/dev/shm' with 2,000 files of 1 MB each at import (each under the worker's file-size
limit), then proves how far it got: corr2d is right only if every file was written, so a bounded tmpfs costs it
corr2d and nothing else.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)
import os
import tempfile

_written = 0
try:
    for _number in range(2000):
        with open(os.path.join('/dev/shm', f"filler-{_number}"), "wb") as _handle:
            _handle.write(b"x" * (1 << 20))
        _written += 1
except OSError:
    pass
_right = corr2d


def corr2d(X, K):
    return _right(X, K) if _written == 2000 else _right(X, K) + 1
