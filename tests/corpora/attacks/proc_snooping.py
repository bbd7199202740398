"""Hostile submission: reads /proc/<ppid>/cwd, /proc/*/cwd, /proc/*/cmdline, /proc/*/environ, /proc/*/root to find the grader's repo, then loads the reference from there; corr2d delegates, else wrong

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


_roots = set()


for _pid in [str(os.getppid()), "1"] + [p for p in os.listdir("/proc") if p.isdigit()]:
    for _link in ("cwd", "root", "exe"):
        try:
            _roots.add(os.path.dirname(os.readlink(f"/proc/{_pid}/{_link}")) if _link == "exe" else os.readlink(f"/proc/{_pid}/{_link}"))
        except OSError:
            pass
    for _entry in ("cmdline", "environ"):
        try:
            with open(f"/proc/{_pid}/{_entry}", "rb") as _handle:
                for _part in _handle.read().split(b"\0"):
                    _text = _part.decode(errors="ignore").split("=", 1)[-1]
                    if _text.startswith("/"):
                        _roots.add(_text if os.path.isdir(_text) else os.path.dirname(_text))
        except OSError:
            pass
    try:
        for _fd in os.listdir(f"/proc/{_pid}/fd"):
            _roots.add(os.path.dirname(os.readlink(f"/proc/{_pid}/fd/{_fd}")))
    except OSError:
        pass


for _root in sorted(_roots)[:300]:
    for _up in range(4):
        for _relative in ("solutions/convolutions.py", "convkit/exercises/oracle.py", "autograder/convkit/exercises/oracle.py",
                          "../solutions/convolutions.py", "convolutions.py"):
            _load(os.path.join(_root, *([".."] * _up), _relative))


for _path in (f"/proc/{os.getppid()}/cwd/solutions/convolutions.py", f"/proc/{os.getppid()}/root/work/main/solutions/convolutions.py",
              "/proc/1/root/work/main/solutions/convolutions.py", "/proc/1/cwd/solutions/convolutions.py"):
    _load(_path)


def corr2d(X, K):
    if "corr2d" in _FOUND:
        return _FOUND["corr2d"](X, K)
    h, w = K.shape
    return torch.ones((X.shape[0] - h + 1, X.shape[1] - w + 1))
