"""Values as plain data, both ways: what a worker returns and what the judge sends, never an object.

A tensor travels as (dtype, shape, base64 bytes) and is rebuilt by the judge after checking the dtype against an
allow-list and the byte count against the shape; only exact built-in types pass otherwise, anything else is
named by its type (`Foreign`).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch

from .protocol import TensorData, WireError

MAX_TENSOR_ELEMENTS = 1_000_000
MAX_SEQUENCE_ITEMS = 1_000
MAX_DEPTH = 3

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
    """Turn a result into JSON-able plain data. Only exact built-in types pass; anything else is named by type."""
    kind = type(value)
    if kind is torch.Tensor:
        return encode_tensor(value)
    if value is None or kind in (bool, int, str):
        return value if kind is not int or abs(value) < 2**63 else float(value)
    if kind is float:
        return {"kind": "float", "repr": repr(value)}
    if kind in (tuple, list) and depth < MAX_DEPTH:
        items = list(value)[: MAX_SEQUENCE_ITEMS + 1]
        return {"kind": kind.__name__, "items": [encode(item, depth + 1) for item in items]}
    return {"kind": "other", "type": f"{kind.__module__}.{kind.__qualname__}"[:200]}


def encode_tensor(tensor: torch.Tensor) -> TensorData | dict[str, Any]:
    name = DTYPE_NAMES.get(tensor.dtype)
    if name is None or tensor.numel() > MAX_TENSOR_ELEMENTS or tensor.is_sparse:
        return {"kind": "other", "type": f"tensor of dtype {tensor.dtype} and shape {tuple(tensor.shape)}", "tensor": True}
    flat = torch.Tensor.contiguous(torch.Tensor.detach(tensor).cpu())
    raw = flat.numpy().tobytes() if flat.numel() else b""
    return {"kind": "tensor", "dtype": name, "shape": list(flat.shape), "data": base64.b64encode(raw).decode()}


def decode(value: Any, depth: int = 0) -> Any:
    """Rebuild plain data sent by a worker, validating as it goes (raises WireError)."""
    if value is None or type(value) in (bool, int, str):
        return value
    if depth > MAX_DEPTH + 1 or type(value) is not dict:
        raise WireError(f"unexpected value of type {type(value).__name__}")
    kind = value.get("kind")
    if kind == "tensor":
        return decode_tensor(value)
    if kind == "float":
        try:
            return float(str(value.get("repr")))
        except ValueError:
            raise WireError("malformed float") from None
    if kind in ("tuple", "list"):
        items = value.get("items")
        if type(items) is not list or len(items) > MAX_SEQUENCE_ITEMS + 1:
            raise WireError("malformed sequence")
        decoded = [decode(item, depth + 1) for item in items]
        return tuple(decoded) if kind == "tuple" else decoded
    if kind == "other":
        return Foreign(str(value.get("type"))[:200], tensor=value.get("tensor") is True)
    raise WireError(f"unknown value kind {str(kind)[:40]!r}")


def decode_tensor(value: Mapping[str, Any]) -> torch.Tensor:
    """A tensor rebuilt from plain data (an allowed dtype, a bounded shape, base64 bytes of exactly that size);
    WireError for anything else, so a forged reply cannot make the judge build an object."""
    dtype = DTYPES.get(value.get("dtype"))  # type: ignore[arg-type]
    shape = value.get("shape")
    if dtype is None:
        raise WireError(f"dtype {str(value.get('dtype'))[:40]!r} is not allowed")
    if type(shape) is not list or len(shape) > 8 or any(type(n) is not int or n < 0 for n in shape):
        raise WireError("malformed shape")
    numel = math.prod(shape)
    if numel > MAX_TENSOR_ELEMENTS:
        raise WireError("tensor too large")
    try:
        raw = base64.b64decode(str(value.get("data")), validate=True)
    except ValueError as exc:
        raise WireError("malformed tensor bytes") from exc
    if len(raw) != numel * dtype.itemsize:
        raise WireError("tensor byte count does not match its shape")
    if numel == 0:
        return torch.empty(shape, dtype=dtype)
    # numpy builds the array in a third of torch.frombuffer's time; the tensor owns its fresh bytearray
    return torch.from_numpy(np.frombuffer(bytearray(raw), dtype=value["dtype"]).reshape(shape))  # type: ignore[call-overload]


class Foreign:
    """A value the worker could not send as plain data; the judge only ever sees its type name, and whether it is
    a tensor (one of a dtype, layout or size that cannot be sent)."""

    def __init__(self, type_name: str, tensor: bool = False) -> None:
        self.type_name = type_name
        self.tensor = tensor

    def __repr__(self) -> str:
        return f"<{self.type_name}>"
