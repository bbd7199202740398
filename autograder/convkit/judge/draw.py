"""Random inputs for the hidden checks, drawn from a per-check generator seeded afresh for every grading run."""

from __future__ import annotations

import torch


def uniform(rng: torch.Generator, *shape: int) -> torch.Tensor:
    """Values in [-1, 1): signed, so a flipped kernel or a dropped channel changes the answer."""
    return torch.rand(shape, generator=rng) * 2 - 1


def integers(rng: torch.Generator, *shape: int, low: int = -5, high: int = 6) -> torch.Tensor:
    return torch.randint(low, high, shape, generator=rng)


def size(rng: torch.Generator, low: int, high: int) -> int:
    """An int in [low, high]."""
    return int(torch.randint(low, high + 1, (1,), generator=rng))


def edge_image() -> torch.Tensor:
    """The book's 6 x 8 picture: white, with a black vertical band in columns 2 to 5."""
    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    return X


def book_X() -> torch.Tensor:
    return torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])


def book_K() -> torch.Tensor:
    return torch.tensor([[0.0, 1.0], [2.0, 3.0]])
