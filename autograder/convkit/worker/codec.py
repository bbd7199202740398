"""Values as plain data, both ways: what a worker returns and what the judge sends, never an object.

A tensor travels as (dtype, shape, base64 bytes) and is rebuilt by the judge after checking the
dtype against an allow-list, the shape against the caps below and the byte count against the
shape; only exact built-in types pass otherwise, anything else is named by its type (`Foreign`).
`decode` takes what `encode` can send and refuses anything else with WireError: whatever it
returns, the judge can compare and show.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from .protocol import OtherData, TensorData, WireError

MAX_TENSOR_ELEMENTS = 1_000_000
"""The most entries a tensor may have; also the most its non-zero sizes may multiply to, so that
an empty tensor is no larger in its other dimensions than a full one could be (a shape
[0, 2**62, 2**62] holds no entry, but its strides overflow: no tensor can be built of it)."""
MAX_DIMS = 8
"""The most dimensions a tensor may have (the exercises' answers have at most three)."""
MAX_SEQUENCE_ITEMS = 1_000
MAX_DEPTH = 3
MAX_STRING_CHARS = 10_000
"""The longest str sent as a value; a longer one is named by its length."""
MAX_FLOAT_CHARS = 32
"""The longest `repr` of a float (repr(-2.2250738585072014e-308) has 23 characters)."""
INT_BOUND = 2**63
"""Ints are sent within (-INT_BOUND, INT_BOUND); a larger one is named, never sent."""

DTYPES: dict[str, torch.dtype] = {
    "float16": torch.float16,
    "float32": torch.float32,
    "float64": torch.float64,
    "uint8": torch.uint8,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "bool": torch.bool,
}
DTYPE_NAMES = {dtype: name for name, dtype in DTYPES.items()}


def encode(value: Any, depth: int = 0) -> Any:
    """Turn a result into JSON-able plain data. Only exact built-in types pass; anything else is
    named by type."""
    kind = type(value)
    if kind is torch.Tensor:
        return encode_tensor(value)
    if value is None or kind is bool:
        return value
    if kind is int:
        return value if abs(value) < INT_BOUND else _named(f"int of {value.bit_length()} bits")
    if kind is str:
        return _named(f"str of {len(value)} characters") if len(value) > MAX_STRING_CHARS else value
    if kind is float:
        return {"kind": "float", "repr": repr(value)}
    if kind in (tuple, list) and depth < MAX_DEPTH:
        items = list(value)[: MAX_SEQUENCE_ITEMS + 1]
        return {"kind": kind.__name__, "items": [encode(item, depth + 1) for item in items]}
    return _named(f"{kind.__module__}.{kind.__qualname__}")


def _named(type_name: str) -> OtherData:
    return {"kind": "other", "type": type_name[:200]}


def encode_tensor(tensor: torch.Tensor) -> TensorData | OtherData:
    name = DTYPE_NAMES.get(tensor.dtype)
    if name is None or tensor.is_sparse or not fits(tensor.shape):
        return {
            "kind": "other",
            "type": f"tensor of dtype {tensor.dtype} and shape {tuple(tensor.shape)}",
            "tensor": True,
        }
    flat = torch.Tensor.contiguous(torch.Tensor.detach(tensor).cpu())
    raw = flat.numpy().tobytes() if flat.numel() else b""
    return {
        "kind": "tensor",
        "dtype": name,
        "shape": list(flat.shape),
        "data": base64.b64encode(raw).decode(),
    }


def decode(value: Any, depth: int = 0) -> Any:
    """Rebuild plain data sent by a worker, validating as it goes: WireError for anything `encode`
    would not send."""
    if value is None or type(value) is bool:
        return value
    if type(value) is int:
        if not -INT_BOUND < value < INT_BOUND:
            raise WireError("an int out of range")
        return value
    if type(value) is str:
        if len(value) > MAX_STRING_CHARS:
            raise WireError("a str too long")
        return value
    if depth > MAX_DEPTH + 1 or type(value) is not dict:
        raise WireError(f"unexpected value of type {type(value).__name__}")
    kind = value.get("kind")
    if kind == "tensor":
        return decode_tensor(value)
    if kind == "float":
        return _decode_float(value.get("repr"))
    if kind in ("tuple", "list"):
        items = value.get("items")
        if type(items) is not list or len(items) > MAX_SEQUENCE_ITEMS + 1:
            raise WireError("malformed sequence")
        decoded = [decode(item, depth + 1) for item in items]
        return tuple(decoded) if kind == "tuple" else decoded
    if kind == "other":
        named = value.get("type")
        if type(named) is not str:
            raise WireError("an object without a type name")
        return Foreign(named[:200], tensor=value.get("tensor") is True)
    raise WireError("an unknown kind of value")


def _decode_float(text: Any) -> float:
    if type(text) is not str or len(text) > MAX_FLOAT_CHARS:
        raise WireError("malformed float")
    try:
        return float(text)
    except ValueError:
        raise WireError("malformed float") from None


def decode_tensor(value: Mapping[str, Any]) -> torch.Tensor:
    """A tensor rebuilt from plain data (an allowed dtype, a shape `check_shape` takes, base64
    bytes of exactly that size); WireError for anything else, so a forged reply cannot make the
    judge build an object, nor fail to build a tensor."""
    name = value.get("dtype")
    dtype = DTYPES.get(name) if type(name) is str else None
    if dtype is None:
        raise WireError("a dtype that is not allowed")
    shape = check_shape(value.get("shape"))
    numel = math.prod(shape)
    data = value.get("data")
    if type(data) is not str:
        raise WireError("malformed tensor bytes")
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError as exc:
        raise WireError("malformed tensor bytes") from exc
    if len(raw) != numel * dtype.itemsize:
        raise WireError("tensor byte count does not match its shape")
    if numel == 0:
        return torch.empty(shape, dtype=dtype)
    # numpy builds the array in a third of torch.frombuffer's time; the tensor owns its fresh
    # bytearray
    array = np.frombuffer(bytearray(raw), dtype=name)
    return torch.from_numpy(array.reshape(shape))


def check_shape(shape: Any) -> list[int]:
    """`shape` when it is a list of at most MAX_DIMS sizes, each an int >= 0, that `fits`; else
    WireError."""
    if type(shape) is not list or len(shape) > MAX_DIMS:
        raise WireError("malformed shape")
    if any(type(n) is not int or n < 0 for n in shape):
        raise WireError("malformed shape")
    if not fits(shape):
        raise WireError("a tensor shape beyond the caps")
    return shape


def fits(shape: list[int] | torch.Size) -> bool:
    """Whether a tensor of `shape` may be sent: at most MAX_DIMS dimensions whose non-zero sizes
    multiply to at most MAX_TENSOR_ELEMENTS."""
    return len(shape) <= MAX_DIMS and math.prod(n for n in shape if n) <= MAX_TENSOR_ELEMENTS


class Foreign:
    """A value the worker could not send as plain data; the judge only ever sees its type name, and
    whether it is a tensor (one of a dtype, layout or size that cannot be sent)."""

    def __init__(self, type_name: str, tensor: bool = False) -> None:
        self.type_name = type_name
        self.tensor = tensor

    def __repr__(self) -> str:
        return f"<{self.type_name}>"
