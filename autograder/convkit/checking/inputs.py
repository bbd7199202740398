"""Inputs for the hidden checks, drawn from a per-check generator of the grading seed.

Checks draw *within* behaviour classes, never across them: a check that means to test a non-square
input or a stride that does not divide the size draws one on every seed, so a verdict never depends
on the seed. The book's own inputs are known in advance, so they always come with variants the
student cannot know (scaled, shifted, transposed), and a hard-coded answer earns nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

import torch

T = TypeVar("T")


def uniform(rng: torch.Generator, *shape: int) -> torch.Tensor:
    """Values in [-1, 1): signed, so a flipped kernel or a dropped channel changes the answer."""
    return torch.rand(shape, generator=rng) * 2 - 1


def integers(rng: torch.Generator, *shape: int, low: int = -5, high: int = 6) -> torch.Tensor:
    return torch.randint(low, high, shape, generator=rng)


def size(rng: torch.Generator, low: int, high: int) -> int:
    """An int in [low, high]."""
    return int(torch.randint(low, high + 1, (1,), generator=rng))


def choice(rng: torch.Generator, options: Sequence[T]) -> T:
    return options[size(rng, 0, len(options) - 1)]


def unlike(rng: torch.Generator, low: int, high: int, other: int) -> int:
    """An int in [low, high] other than `other` (for shapes that must not be square)."""
    value = size(rng, low, high - 1)
    return value + 1 if value >= other else value


def dimension(
    rng: torch.Generator, stride: int, remainder: int, kernel: int, padding: int, quotient: int = 0
) -> tuple[int, int, int, int]:
    """(n, k, p, s) for one dimension with (n + 2p - k) % s == remainder and n >= k: a case's class
    (a stride that divides the size, or leaves a remainder below or above half of it) is drawn on
    every seed."""
    quotient = quotient or size(rng, 1, 4)
    while (n := stride * quotient + remainder - 2 * padding + kernel) < kernel:
        quotient += 1
    return n, kernel, padding, stride


def signed(rng: torch.Generator, low: float, high: float) -> float:
    """A value whose magnitude is in [low, high), either sign."""
    magnitude = low + float(torch.rand((), generator=rng)) * (high - low)
    return magnitude if size(rng, 0, 1) else -magnitude


def factor(rng: torch.Generator) -> float:
    """A scale far from 1 and from 0: a variant scaled by it has other values than the original."""
    return signed(rng, 1.5, 3.0)


def offset(rng: torch.Generator) -> float:
    return signed(rng, 1.0, 3.0)


def variants(
    rng: torch.Generator, X: torch.Tensor, K: torch.Tensor | None = None
) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
    """A known (book) input and three variants a hard-coded answer cannot know: X scaled by a
    negative factor (so every seed has an input of negative values only), X shifted up with K scaled
    up, and both transposed (the last two axes). Only the magnitudes are drawn: a sign decides what
    code can get wrong, so it is fixed."""
    scaled_K = None if K is None else K * abs(factor(rng))
    transposed_K = None if K is None else K.transpose(-1, -2).contiguous()
    return [
        (X, K),
        (X * -abs(factor(rng)) - 0.5, K),
        (X + abs(offset(rng)), scaled_K),
        (X.transpose(-1, -2).contiguous(), transposed_K),
    ]


def edge_image() -> torch.Tensor:
    """The book's 6 x 8 picture: white, with a black vertical band in columns 2 to 5."""
    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    return X


def edge_variant(rng: torch.Generator) -> torch.Tensor:
    """A picture like the book's that nobody can know in advance: another size, band, and
    brightness."""
    height, width = size(rng, 4, 7), size(rng, 7, 10)
    start = size(rng, 1, width - 4)
    band = size(rng, 2, width - start - 2)
    bright = 0.5 + float(torch.rand((), generator=rng))
    X = torch.full((height, width), bright)
    X[:, start : start + band] = bright - 0.25 - float(torch.rand((), generator=rng)) * 0.5
    return X


def book_X() -> torch.Tensor:
    return torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])


def book_K() -> torch.Tensor:
    return torch.tensor([[0.0, 1.0], [2.0, 3.0]])


def book_X_channels() -> torch.Tensor:
    """The book's two-channel input (6.4.1)."""
    return torch.stack((book_X(), book_X() + 1))


def book_K_channels() -> torch.Tensor:
    return torch.stack((book_K(), book_K() + 1))
