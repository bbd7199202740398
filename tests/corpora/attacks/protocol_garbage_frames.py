"""Hostile submission: corr2d writes garbage and oversized frame headers to fds 3..10, then closes them

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import os
import struct


def corr2d(X, K):
    for fd in range(3, 11):
        for payload in (b"\xff\xff\xff\xff", struct.pack(">I", 12) + b"not json at all", struct.pack(">I", 5) + b"[1,2]"):
            try:
                os.write(fd, payload)
            except OSError:
                pass
    for fd in range(3, 11):
        try:
            os.close(fd)
        except OSError:
            pass
    h, w = K.shape
    return torch.ones((X.shape[0] - h + 1, X.shape[1] - w + 1))
