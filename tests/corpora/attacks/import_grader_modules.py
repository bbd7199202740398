"""Hostile submission: imports every module of convkit outside its worker package (the oracle and hidden checks among them) and solutions from every plausible path; corr2d delegates to what it found, else returns wrong values

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


import importlib


for _path in ("/work/main", "/work/main/autograder", "/opt/convkit", "/opt", "/autograder", "/autograder/source", os.getcwd(), ".."):
    if _path not in sys.path:
        sys.path.insert(0, _path)


def _grader_modules():
    """Every module of convkit outside its worker package, wherever convkit is found."""
    import pkgutil
    try:
        import convkit
    except BaseException:
        return ["convkit.exercises.oracle", "convkit.exercises.hidden.test_corr2d"]
    names = []
    for _info in pkgutil.walk_packages(convkit.__path__, "convkit.", onerror=lambda name: None):
        if not _info.name.startswith("convkit.worker"):
            names.append(_info.name)
    return names or ["convkit.exercises.oracle"]


for _module in (*_grader_modules(), "solutions.convolutions", "convolutions"):
    try:
        _mod = importlib.import_module(_module)
    except BaseException:
        continue
    for _name in ("corr2d",):
        if callable(getattr(_mod, _name, None)):
            _FOUND.setdefault(_name, getattr(_mod, _name))
    if hasattr(_mod, "oracle") and callable(getattr(_mod.oracle, "corr2d", None)):
        _FOUND.setdefault("corr2d", _mod.oracle.corr2d)


def corr2d(X, K):
    if "corr2d" in _FOUND:
        return _FOUND["corr2d"](X, K)
    h, w = K.shape
    return torch.ones((X.shape[0] - h + 1, X.shape[1] - w + 1))
