"""Comparing a student's result with the oracle's, and saying in words what went wrong.

Every failure names the (small) input, the expected and actual shapes, the error size a correct answer
reaches, and, when the wrong output equals the output of a known bug, that bug.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch

from ..worker.protocol import Foreign
from .errors import CheckFailed

SHOW_ELEMENTS = 16

Bugs = Mapping[str, Callable[[], torch.Tensor]]
"""Known bugs: what the student should read, and how to compute that bug's output (only on failure)."""


def show(value: Any) -> str:
    """A tensor's values when it is small enough to read, else its shape."""
    if type(value) is torch.Tensor:
        if value.numel() <= SHOW_ELEMENTS:
            text = str(value.tolist())
            return f"{text} (shape {tuple(value.shape)})" if value.dim() > 1 else text
        return f"a tensor of shape {tuple(value.shape)}"
    return repr(value)


def inputs(**named: Any) -> str:
    return "on " + ", ".join(f"{name} = {show(value)}" for name, value in named.items())


def kind(value: Any) -> str:
    if isinstance(value, Foreign):
        return f"an object of type {value.type_name}"
    if type(value) is torch.Tensor:
        return f"a tensor of shape {tuple(value.shape)}"
    return f"{type(value).__name__} {value!r}"[:120]


def expect_tensor(
    value: Any,
    expected: torch.Tensor,
    *,
    where: str,
    bugs: Bugs | None = None,
    tol: float = 1e-4,
    floating: bool = True,
) -> torch.Tensor:
    """Fail unless `value` is exactly a torch.Tensor of the expected shape and values (relative to scale)."""
    if type(value) is not torch.Tensor:
        raise CheckFailed(f"{where}: expected a torch.Tensor, got {kind(value)}", reason="not a tensor")
    if floating and not value.is_floating_point():
        dtype = str(value.dtype).replace("torch.", "")
        raise CheckFailed(f"{where}: expected a floating-point tensor, got dtype {dtype}", reason="not a floating-point tensor")
    if value.shape != expected.shape:
        raise CheckFailed(
            f"{where}: expected shape {tuple(expected.shape)}, got {tuple(value.shape)}"
            f"{shape_hint(tuple(value.shape), tuple(expected.shape))}",
            reason="wrong shape",
            bug=known_bug(value, expected, bugs),
        )
    error = max_error(value, expected)
    if not error <= tol * (1 + float(expected.double().abs().max()) if expected.numel() else 1):
        small = f"; expected {show(expected)}, got {show(value)}" if expected.numel() <= SHOW_ELEMENTS else ""
        raise CheckFailed(
            f"{where}: the shape {tuple(value.shape)} is right but the values are not: max error {error:.3g} "
            f"(a correct answer reaches < {tol:g}){small}",
            reason="wrong values",
            bug=known_bug(value, expected, bugs),
        )
    return value


def max_error(value: torch.Tensor, expected: torch.Tensor) -> float:
    if expected.numel() == 0:
        return 0.0
    difference = (value.double() - expected.double()).abs()
    return float("inf") if not torch.isfinite(difference).all() else float(difference.max())


def shape_hint(actual: tuple[int, ...], expected: tuple[int, ...]) -> str:
    if len(actual) != len(expected):
        return f" ({len(actual)} dimensions instead of {len(expected)})"
    if sorted(actual) == sorted(expected) and len(actual) >= 2:
        return " (the dimensions are in the wrong order)"
    words = {0: "row", 1: "column"} if len(actual) == 2 else {len(actual) - 2: "row", len(actual) - 1: "column"}
    hints = []
    for axis, noun in words.items():
        gap = actual[axis] - expected[axis]
        if gap:
            amount = "one" if abs(gap) == 1 else str(abs(gap))
            plural = "" if abs(gap) == 1 else "s"
            hints.append(f"{amount} {noun}{plural} {'short' if gap < 0 else 'too many'}")
    return f": the output is {' and '.join(hints)}" if hints else ""


def known_bug(value: torch.Tensor, expected: torch.Tensor, bugs: Bugs | None) -> str | None:
    """Name the first known bug whose output the student's output equals."""
    candidates = dict(bugs or {})
    if expected.dim() >= 2:
        candidates.setdefault("the output is transposed", lambda: expected.transpose(-1, -2))
    candidates.setdefault("the output is all zeros: are the results written into Y?", lambda: torch.zeros_like(expected))
    candidates.setdefault("the sign is flipped", lambda: -expected)
    for description, compute in candidates.items():
        try:
            output = compute()
        except (RuntimeError, ValueError, IndexError):  # that bug cannot happen on this input
            continue
        if output.shape == value.shape and output.numel() and not torch.equal(output.double(), expected.double()):
            if max_error(value, output) <= 1e-4 * (1 + float(output.double().abs().max())):
                return description
    return None


def expect_inputs_unchanged(inputs_after: list[Any], sent: Mapping[str, torch.Tensor], where: str) -> None:
    for (name, before), after in zip(sent.items(), inputs_after, strict=False):
        if type(after) is torch.Tensor and (after.shape != before.shape or not torch.equal(after, before)):
            raise CheckFailed(f"{where}: the input {name} was modified in place; work on a copy", reason="modified its input")
