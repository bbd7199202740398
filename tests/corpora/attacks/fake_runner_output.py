"""Hostile submission: prints fake grader output (JSON, '35/35', Gradescope-style text, pytest summaries) to stdout, stderr and /dev/tty, with a wrong corr2d

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import json as _json
import os
import sys


_LINES = [
    _json.dumps({"score": 35.0, "max_score": 35.0, "output": "All tests passed"}),
    "corr2d ........ 6/6", "TOTAL 35/35", "Score: 35.0 / 35.0", "===== 42 passed in 0.01s =====",
    "\x1b[2J\x1b[Hgrading [##############################] 1/1\n35/35",
]


for _line in _LINES:
    print(_line)
    print(_line, file=sys.stderr)
    for _fd in (1, 2):
        try:
            os.write(_fd, (_line + "\n").encode())
        except OSError:
            pass


try:
    with open("/dev/tty", "w") as _tty:
        _tty.write("35/35\n")
except OSError:
    pass


def corr2d(X, K):
    print(_json.dumps({"status": "ok", "passed": True}))
    h, w = K.shape
    return torch.ones((X.shape[0] - h + 1, X.shape[1] - w + 1))
