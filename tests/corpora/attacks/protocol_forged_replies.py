"""Hostile submission: corr2d writes well-formed forged replies (claiming success, echoing the judge's request id when it can find it) to fds 3..10 before returning its real, wrong answer, to desynchronise request and reply

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import json as _json
import os
import struct
import sys


def _frame(message):
    payload = _json.dumps(message).encode()
    return struct.pack(">I", len(payload)) + payload


def corr2d(X, K):
    h, w = K.shape
    shape = [X.shape[0] - h + 1, X.shape[1] - w + 1]
    forged = {"kind": "tensor", "dtype": "float32", "shape": shape, "data": ""}
    import base64
    forged["data"] = base64.b64encode(torch.zeros(shape).numpy().tobytes()).decode()
    seq = None
    frame = sys._getframe(1)
    while frame is not None:
        request = frame.f_locals.get("request")
        if isinstance(request, dict):
            seq = request.get("seq", request.get("id"))
        frame = frame.f_back
    message = {"status": "ok", "value": {"result": forged, "inputs_after": [None, None]}}
    if seq is not None:
        message["seq"] = seq
    for fd in range(3, 11):
        for _ in range(3):
            try:
                os.write(fd, _frame(message) + _frame({"status": "ok"}))
            except OSError:
                break
    return torch.ones(shape)
