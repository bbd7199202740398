"""Values as feedback shows them: at most four significant digits, small tensors as entries, large
ones by shape.

Everything here turns judge-side data (tensors rebuilt from a worker's reply, oracle outputs,
inputs) into plain `Value`s; `convkit.output.feedback` lays them out as grids at the edge.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from convkit.output.escaping import quoted
from convkit.output.numbers import num
from convkit.results import Value
from convkit.worker.codec import MAX_DIMS, Foreign

GRID = 6
"""Tensors up to GRID x GRID per slice (and up to GRID slices) are shown entry by entry."""


def shape_text(shape: tuple[int, ...]) -> str:
    return str(tuple(shape))


def shown(tensor: torch.Tensor) -> torch.Tensor | None:
    """The tensor as it can be shown entry by entry (trailing axes of size 1 dropped: a 1 x 1 kernel
    stack reads as a matrix), or None when it is too large to read."""
    while tensor.dim() > 2 and tensor.shape[-1] == 1:
        tensor = tensor.squeeze(-1)
    if tensor.dim() > 3 or tensor.numel() == 0:
        return None
    sizes = tensor.shape[-2:] if tensor.dim() >= 2 else tensor.shape
    return (
        tensor
        if all(n <= GRID for n in sizes) and (tensor.dim() < 3 or tensor.shape[0] <= GRID)
        else None
    )


def plain(value: Any) -> Value:
    """Any judge-side value as plain data to show."""
    if type(value) is torch.Tensor:
        dtype = str(value.dtype).replace("torch.", "")
        if value.numel() == 0:  # nothing to show, and never "too large to show"
            return Value(
                text=f"an empty tensor of shape {shape_text(tuple(value.shape))}",
                shape=tuple(value.shape),
                dtype=dtype,
            )
        readable = shown(value.detach())
        entries = (
            None
            if readable is None
            else (readable.double() if readable.is_floating_point() else readable).tolist()
        )
        return Value(shape=tuple(value.shape), dtype=dtype, entries=entries)
    if isinstance(value, Foreign):
        return Value(text=foreign(value))
    if type(value) is float:
        return Value(text=num(value))
    if type(value) in (tuple, list):
        inner = ", ".join(plain(item).text or describe(item) for item in value[:8])
        more = ", ..." if len(value) > 8 else ""
        return Value(
            text=f"({inner}{more}{',' if len(value) == 1 and type(value) is tuple else ''})"
            if type(value) is tuple
            else f"[{inner}{more}]"
        )
    return Value(text=repr(value)[:120])


def foreign(value: Foreign) -> str:
    """What a worker could not send: an object of its type, or a tensor it could not send (the codec
    names it by dtype and shape: a complex or bfloat16 one, a sparse one, one too large)."""
    if value.tensor:
        must = "a result must be a dense real or integer tensor of at most a million entries"
        must += f" and {MAX_DIMS} dimensions"
        return f"a tensor that cannot be checked, {quoted(value.type_name)} ({must})"
    return f"an object of type {quoted(value.type_name)}"


def describe(value: Any) -> str:
    """A value in a few words, for a sentence: `a tensor of shape (2, 3)`, `int 3`, `an object of
    type X`."""
    if isinstance(value, Foreign):
        return foreign(value)
    if type(value) is torch.Tensor:
        return f"a tensor of shape {shape_text(tuple(value.shape))}"
    return f"{type(value).__name__} {plain(value).text}"[:120]


def max_error(value: torch.Tensor, expected: torch.Tensor) -> float:
    """The largest absolute difference, in float64; inf where a difference is not finite (max keeps
    NaNs). numpy, not torch: on the small tensors checks use, its per-call cost is a third of
    torch's."""
    return _max_error(_float64(value), _float64(expected)) if expected.numel() else 0.0


def gradient_error(got: torch.Tensor, want: torch.Tensor) -> str:
    """How a gradient differs from the right one: its shape, else its largest error."""
    if got.shape != want.shape:
        return f"shape {shape_text(tuple(got.shape))} instead of {shape_text(tuple(want.shape))}"
    return f"max error {num(max_error(got, want))}"


def magnitude(tensor: torch.Tensor) -> float:
    """The largest absolute entry in float64 (0 for an empty tensor): what tolerances are relative
    to."""
    return float(np.abs(_float64(tensor)).max()) if tensor.numel() else 0.0


def bound(expected: torch.Tensor, tol: float) -> float:
    """The largest error a correct answer may have: `tol` relative to the expected values' scale."""
    return tol * (1 + magnitude(expected))


def close(value: torch.Tensor, expected: torch.Tensor, tol: float) -> bool:
    """Equal shapes and values within `bound(expected, tol)` (restated here on the float64 values
    made once: this runs for every answer)."""
    if value.shape != expected.shape:
        return False
    if not expected.numel():
        return True
    wanted = _float64(expected)
    return _max_error(_float64(value), wanted) <= tol * (1 + float(np.abs(wanted).max()))


def _max_error(value: np.ndarray, expected: np.ndarray) -> float:
    with np.errstate(invalid="ignore", over="ignore"):
        error = float(np.abs(value - expected).max())
    return error if error == error else math.inf


def _float64(tensor: torch.Tensor) -> np.ndarray:
    plain = tensor.detach()
    return (
        plain.numpy().astype(np.float64) if plain.dtype in NUMPY_DTYPES else plain.double().numpy()
    )


NUMPY_DTYPES = (
    torch.float32,
    torch.float64,
    torch.float16,
    torch.int64,
    torch.int32,
    torch.int16,
    torch.int8,
    torch.uint8,
    torch.bool,
)


def first_wrong(
    actual: torch.Tensor, expected: torch.Tensor, tol: float
) -> tuple[tuple[int, ...], float, float] | None:
    """The first position (row-major) where `actual` is off by more than the tolerance, for
    same-shaped tensors."""
    wrong = ~((actual.double() - expected.double()).abs() <= bound(expected, tol))
    if not bool(wrong.any()):
        return None
    index = tuple(int(i) for i in torch.nonzero(wrong)[0])
    return index, float(expected[index]), float(actual[index])
