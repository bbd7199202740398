"""Hostile submission: creates 50,000 empty files in tempfile.gettempdir() at import. Empty files take no space
from a tmpfs's size bound, but each costs the host kernel memory (an inode and a directory entry), so only a
bound on the number of files stops it. It then proves how far it got: corr2d is right only if every file was
created, so a bounded tmpfs costs it corr2d and nothing else.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)
import os
import tempfile

_created = 0
try:
    _folder = tempfile.gettempdir()
    for _number in range(50_000):
        os.close(os.open(os.path.join(_folder, f"empty-{_number}"), os.O_CREAT | os.O_WRONLY, 0o600))
        _created += 1
except OSError:
    pass
_right = corr2d


def corr2d(X, K):
    return _right(X, K) if _created == 50_000 else _right(X, K) + 1
