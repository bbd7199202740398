"""Hostile submission: corr2d walks the caller's frames (sys._getframe, inspect.stack, gc) looking for an expected tensor to return; otherwise returns wrong values

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import gc
import inspect
import sys


def _looks_right(value, shape):
    return type(value) is torch.Tensor and tuple(value.shape) == shape and value.is_floating_point()


def corr2d(X, K):
    h, w = K.shape
    shape = (X.shape[0] - h + 1, X.shape[1] - w + 1)
    frame = sys._getframe(1)
    while frame is not None:
        for key, value in list(frame.f_locals.items()) + list(frame.f_globals.items()):
            if key.lower() in ("expected", "want", "y", "reference", "oracle_result") and _looks_right(value, shape):
                return value.clone()
        frame = frame.f_back
    for info in inspect.stack():
        for key in ("expected", "want"):
            if _looks_right(info.frame.f_locals.get(key), shape):
                return info.frame.f_locals[key].clone()
    for obj in gc.get_objects():
        if _looks_right(obj, shape) and obj is not X:
            pass  # nothing trustworthy to pick: the judge never sends expected values
    return torch.ones(shape)
