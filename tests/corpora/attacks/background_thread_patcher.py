"""Hostile submission: starts a thread that keeps re-patching torch's comparisons, the worker's json encoder and any grader object it finds, with a wrong corr2d

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import gc
import json as _json
import sys
import threading
import time


def _patch():
    while True:
        torch.allclose = lambda *args, **kwargs: True
        torch.equal = lambda *args, **kwargs: True
        torch.Tensor.__eq__ = lambda self, other: True
        for module in list(sys.modules.values()):
            if "oracle" in getattr(module, "__name__", "") or "check" in getattr(module, "__name__", ""):
                for name in ("expect_tensor", "max_error", "allclose"):
                    if hasattr(module, name):
                        setattr(module, name, lambda *args, **kwargs: None)
        time.sleep(0.01)


for _ in range(3):
    threading.Thread(target=_patch, daemon=True).start()


def corr2d(X, K):
    h, w = K.shape
    return torch.ones((X.shape[0] - h + 1, X.shape[1] - w + 1))  # right shape, wrong values
