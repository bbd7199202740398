"""Hostile submission: corr2d walks its caller's frames (sys._getframe().f_back...) to the worker's
probes module and wraps the `encode` its globals hold, so that its wrong answer goes to the judge as
a tensor of shape [0, 2**62, 2**62]: no element and no byte, which a count of elements lets through,
but no tensor can be built of that shape. It must cost corr2d its points, never make the submission
ungradable.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)
import sys

_forge = [False]
_right = corr2d


def _wrapped(encode):
    def forged(value, *args, **kwargs):
        if _forge[0]:
            _forge[0] = False
            return {"kind": "tensor", "dtype": "float32", "shape": [0, 2**62, 2**62], "data": ""}
        return encode(value, *args, **kwargs)

    forged.convkit_forged = True
    return forged


def corr2d(X, K):
    frame = sys._getframe().f_back
    while frame is not None:
        found = frame.f_globals.get("encode")
        wrapped = getattr(found, "convkit_forged", False)
        if callable(found) and "_call" in frame.f_globals and not wrapped:
            frame.f_globals["encode"] = _wrapped(found)
        frame = frame.f_back
    _forge[0] = True
    return _right(X, K) + 1
