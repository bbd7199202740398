"""Hostile submission: searches the file system (glob and os.walk) for solutions/convolutions.py, oracle.py, test_corr2d.py and executes them; corr2d delegates to what it found, else returns wrong values

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import glob
import os
import sys
import time


_FOUND = {}


def _load(path):
    try:
        with open(path) as handle:
            source = handle.read()
    except OSError:
        return False
    namespace = {"__name__": "stolen"}
    try:
        exec(compile(source, path, "exec"), namespace)
    except BaseException:
        return False
    for name in ("corr2d", "Conv2D", "learn_kernel", "conv_output_shape", "corr2d_pad_stride", "corr2d_multi_in",
                 "corr2d_multi_in_out", "corr2d_multi_in_out_1x1", "pool2d", "BY_SYMBOL"):
        if callable(namespace.get(name)) or name == "BY_SYMBOL" and name in namespace:
            _FOUND.setdefault(name, namespace[name])
    return "corr2d" in _FOUND


_deadline = time.monotonic() + 1.5


for _pattern in ("/work/main/solutions/convolutions.py", "/work/*/solutions/*.py", "/*/solutions/*.py", "/*/*/solutions/*.py",
                 "/opt/convkit/convkit/exercises/oracle.py", "/work/main/autograder/convkit/exercises/oracle.py",
                 "/**/convkit/exercises/oracle.py", "/work/**/test_corr2d.py", "/autograder/**/*.py",
                 "/grade/**/*.py"):
    for _path in glob.glob(_pattern, recursive=True)[:50]:
        if time.monotonic() < _deadline:
            _load(_path)


for _root in ("/work", "/opt", "/home", "/srv", "/autograder", "/tmp", "/root", "/mnt", "/"):
    for _dir, _subdirs, _files in os.walk(_root):
        if time.monotonic() > _deadline:
            break
        _subdirs[:] = [d for d in _subdirs if d not in ("proc", "sys", "dev", "usr", "lib", "site-packages", ".git")]
        for _file in _files:
            if _file in ("convolutions.py", "oracle.py", "test_corr2d.py", "solution.py", "solutions.py"):
                _load(os.path.join(_dir, _file))


def corr2d(X, K):
    if "corr2d" in _FOUND:
        return _FOUND["corr2d"](X, K)
    h, w = K.shape
    return torch.ones((X.shape[0] - h + 1, X.shape[1] - w + 1))
