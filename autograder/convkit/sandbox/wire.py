"""Messages between the trusted judge and a sandboxed worker: framed JSON carrying plain data only.

A reply from a worker is hostile input. It is parsed as JSON (never unpickled), its tensors are rebuilt by
the judge from (dtype, shape, bytes) after checking the dtype against an allow-list and the byte count against
the shape, and every frame is size-capped, so no object of the submission ever reaches a comparison.
"""

from __future__ import annotations

import base64
import json
import math
import socket
import struct
from enum import StrEnum
from typing import Any, Literal, NotRequired, TypedDict

import torch

MAX_FRAME_BYTES = 16 * 1024 * 1024
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


class Status(StrEnum):
    """What a worker says about a request; mapped to exceptions by `convkit.student.raise_for_status`."""

    OK = "ok"
    RAISED = "raised"
    MISSING = "missing"
    NOT_IMPLEMENTED = "not_implemented"


class Op(StrEnum):
    LOAD = "load"
    CALL = "call"
    LAYER = "layer"
    SUBSTITUTE = "substitute"


class TensorData(TypedDict):
    kind: Literal["tensor"]
    dtype: str
    shape: list[int]
    data: str


class Request(TypedDict):
    op: Op
    args: NotRequired[list[Any]]
    kwargs: NotRequired[dict[str, Any]]
    name: NotRequired[str]
    symbols: NotRequired[list[str]]
    cells: NotRequired[list[str]]
    grad_args: NotRequired[list[int]]
    grad_output: NotRequired[TensorData]
    kernel_size: NotRequired[list[int]]
    weight: NotRequired[TensorData]
    bias: NotRequired[TensorData]
    x: NotRequired[TensorData]
    source: NotRequired[str]
    seq: NotRequired[int]


class Reply(TypedDict):
    status: Status
    value: NotRequired[Any]
    error: NotRequired[str]
    cell: NotRequired[int]


class WireError(Exception):
    """A frame or value that breaks the protocol: the worker is treated as crashed."""


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


def encode_tensor(tensor: torch.Tensor) -> TensorData | dict[str, str]:
    name = DTYPE_NAMES.get(tensor.dtype)
    if name is None or tensor.numel() > MAX_TENSOR_ELEMENTS or tensor.is_sparse:
        return {"kind": "other", "type": f"tensor of dtype {tensor.dtype} and shape {tuple(tensor.shape)}"}
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
        return float(str(value.get("repr")))
    if kind in ("tuple", "list"):
        items = value.get("items")
        if type(items) is not list or len(items) > MAX_SEQUENCE_ITEMS + 1:
            raise WireError("malformed sequence")
        decoded = [decode(item, depth + 1) for item in items]
        return tuple(decoded) if kind == "tuple" else decoded
    if kind == "other":
        return Foreign(str(value.get("type"))[:200])
    raise WireError(f"unknown value kind {kind!r}")


def decode_tensor(value: dict[str, Any]) -> torch.Tensor:
    dtype = DTYPES.get(value.get("dtype"))  # type: ignore[arg-type]
    shape = value.get("shape")
    if dtype is None:
        raise WireError(f"dtype {value.get('dtype')!r} is not allowed")
    if type(shape) is not list or len(shape) > 8 or any(type(n) is not int or n < 0 for n in shape):
        raise WireError("malformed shape")
    numel = math.prod(shape)
    if numel > MAX_TENSOR_ELEMENTS:
        raise WireError("tensor too large")
    try:
        raw = base64.b64decode(str(value.get("data")), validate=True)
    except ValueError as exc:
        raise WireError("malformed tensor bytes") from exc
    itemsize = torch.empty((), dtype=dtype).element_size()
    if len(raw) != numel * itemsize:
        raise WireError("tensor byte count does not match its shape")
    if numel == 0:
        return torch.empty(shape, dtype=dtype)
    return torch.frombuffer(bytearray(raw), dtype=dtype).reshape(shape).clone()


class Foreign:
    """A value the worker could not send as plain data; the judge only ever sees its type name."""

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return f"<{self.type_name}>"


def send(sock: socket.socket, message: dict[str, Any]) -> None:
    payload = json.dumps(message, separators=(",", ":")).encode()
    if len(payload) > MAX_FRAME_BYTES:
        payload = json.dumps({"status": Status.RAISED, "error": "reply too large"}).encode()
    sock.sendall(struct.pack(">I", len(payload)) + payload)


def receive(sock: socket.socket) -> dict[str, Any]:
    """Read one frame; the caller sets the socket's timeout. Raises WireError, EOFError or TimeoutError."""
    (size,) = struct.unpack(">I", _read_exactly(sock, 4))
    if size > MAX_FRAME_BYTES:
        raise WireError(f"frame of {size} bytes is over the {MAX_FRAME_BYTES}-byte cap")
    try:
        message = json.loads(_read_exactly(sock, size))
    except (ValueError, RecursionError) as exc:
        raise WireError("frame is not valid JSON") from exc
    if type(message) is not dict:
        raise WireError("frame is not an object")
    return message


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(min(size - len(chunks), 1 << 20))
        if not chunk:
            raise EOFError("worker closed the connection")
        chunks += chunk
    return bytes(chunks)
