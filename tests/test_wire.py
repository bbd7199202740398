"""The judge rebuilds worker data itself and refuses anything off the protocol."""

from __future__ import annotations

import socket
import struct

import pytest
import torch

from convkit.sandbox.wire import MAX_FRAME_BYTES, Foreign, WireError, decode, encode, receive, send


def test_tensors_round_trip_exactly() -> None:
    for tensor in (torch.randn(3, 4), torch.arange(6).reshape(2, 3), torch.zeros(0, 5), torch.tensor(2.5, dtype=torch.float64)):
        back = decode(encode(tensor))
        assert type(back) is torch.Tensor and back.dtype == tensor.dtype and torch.equal(back, tensor)


def test_only_exact_builtin_types_pass() -> None:
    class Lying(torch.Tensor):
        pass

    class AlwaysEqual:
        def __eq__(self, other: object) -> bool:
            return True

    assert isinstance(decode(encode(torch.zeros(2).as_subclass(Lying))), Foreign)
    assert isinstance(decode(encode(AlwaysEqual())), Foreign)
    assert isinstance(decode(encode(torch.zeros(2, dtype=torch.complex64))), Foreign)
    assert decode(encode((1, 2.5, [True, None]))) == (1, 2.5, [True, None])


@pytest.mark.parametrize(
    "value",
    [
        {"kind": "tensor", "dtype": "object", "shape": [1], "data": ""},
        {"kind": "tensor", "dtype": "float32", "shape": [2], "data": "AAAAAA=="},
        {"kind": "tensor", "dtype": "float32", "shape": [-1], "data": ""},
        {"kind": "tensor", "dtype": "float32", "shape": [10**9], "data": ""},
        {"kind": "pickle", "data": "gASV"},
        [1, 2],
    ],
)
def test_malformed_values_are_refused(value: object) -> None:
    with pytest.raises(WireError):
        decode(value)


def test_oversized_and_garbage_frames_are_refused() -> None:
    left, right = socket.socketpair()
    right.sendall(struct.pack(">I", MAX_FRAME_BYTES + 1))
    with pytest.raises(WireError, match="cap"):
        receive(left)
    right.sendall(struct.pack(">I", 3) + b"\x80\x04.")
    with pytest.raises(WireError, match="JSON"):
        receive(left)
    send(right, {"status": "ok"})
    assert receive(left) == {"status": "ok"}
