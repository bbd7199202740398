"""Hidden checks for `learn_kernel(X, Y, kernel_size, lr, epochs)`, graded with correct earlier functions."""

from __future__ import annotations

import math
from typing import Any

import torch

from convkit.judge import oracle
from convkit.judge.checks import check
from convkit.judge.draw import edge_image, size, uniform
from convkit.judge.errors import CheckFailed
from convkit.judge.feedback import expect_tensor, kind
from convkit.judge.student import Student


def learn(student: Student, X: torch.Tensor, Y: torch.Tensor, kernel_size: tuple[int, int], lr: float, epochs: int) -> tuple[torch.Tensor, list[float]]:
    """Call learn_kernel and insist on (tensor, one float per epoch)."""
    where = f"learn_kernel(X of shape {tuple(X.shape)}, Y, kernel_size={kernel_size}, lr={lr:.4g}, epochs={epochs})"
    result = student.call("learn_kernel", X, Y, kernel_size=kernel_size, lr=lr, epochs=epochs).result
    if type(result) not in (tuple, list) or len(result) != 2:
        raise CheckFailed(f"{where}: expected a pair (kernel, losses), got {kind(result)}", reason="not a pair")
    kernel, losses = result
    if type(kernel) is not torch.Tensor or tuple(kernel.shape) != kernel_size:
        raise CheckFailed(f"{where}: the kernel should be a tensor of shape {kernel_size}, got {kind(kernel)}", reason="wrong kernel shape")
    values = [_number(loss) for loss in losses] if type(losses) in (tuple, list) else None
    if values is None or any(v is None for v in values):
        raise CheckFailed(f"{where}: losses should be a list of floats, got {kind(losses)}", reason="losses not floats")
    if len(values) != epochs:
        raise CheckFailed(f"{where}: expected one loss per epoch ({epochs}), got {len(values)}", reason="wrong number of losses")
    if not all(math.isfinite(v) for v in values):  # type: ignore[arg-type]
        raise CheckFailed(f"{where}: the loss is not finite ({values[-1]}): is the step's sign or size wrong?", reason="loss not finite")
    return kernel, values  # type: ignore[return-value]


def _number(value: Any) -> float | None:
    if type(value) in (int, float):
        return float(value)
    if type(value) is torch.Tensor and value.numel() == 1 and value.is_floating_point():
        return float(value.reshape(()))
    return None


def well_posed(rng: torch.Generator, kernel_size: tuple[int, int]) -> tuple[torch.Tensor, float, int]:
    """An input whose least-squares problem gradient descent solves in few epochs, with a safe learning rate."""
    while True:
        X = uniform(rng, kernel_size[0] + size(rng, 3, 4), kernel_size[1] + size(rng, 3, 5))
        patches = X.unfold(0, kernel_size[0], 1).unfold(1, kernel_size[1], 1).reshape(-1, kernel_size[0] * kernel_size[1])
        eigenvalues = torch.linalg.eigvalsh(2 * patches.double().T @ patches.double())
        contraction = 1 - float(eigenvalues[0] / eigenvalues[-1])
        epochs = math.ceil(math.log(1e-6) / math.log(contraction)) if contraction > 0 else 1
        if epochs <= 60:
            return X, 1 / float(eigenvalues[-1]), epochs


@check(points=1.5, name="recovers the book's edge kernel")
def test_book_edges(student: Student, rng: torch.Generator) -> None:
    X = edge_image()
    Y = oracle.corr2d(X, torch.tensor([[1.0, -1.0]]))
    kernel, losses = learn(student, X, Y, (1, 2), 3e-2, 40)
    if not losses[-1] < losses[0] or losses[-1] > 1e-3:
        raise CheckFailed(
            f"on the book's edge data the loss went from {losses[0]:.4g} to {losses[-1]:.4g} in 40 epochs; it should fall below 1e-3",
            reason="the loss does not fall",
        )
    expect_tensor(kernel, torch.tensor([[1.0, -1.0]]), where="on the book's edge data after 40 epochs", tol=1e-2)


@check(points=1.5, name="recovers random kernels of other sizes")
def test_random_kernels(student: Student, rng: torch.Generator) -> None:
    for kernel_size in [(2, 2), (1, 3), (size(rng, 2, 3), 1)]:
        X, lr, epochs = well_posed(rng, kernel_size)
        K = uniform(rng, *kernel_size)
        kernel, losses = learn(student, X, oracle.corr2d(X, K), kernel_size, lr, epochs)
        expect_tensor(
            kernel,
            K,
            where=f"on a random X of shape {tuple(X.shape)} with a true kernel of shape {kernel_size}, lr={lr:.4g}, epochs={epochs}",
            tol=1e-2,
            bugs={"the kernel did not move from zero: is the update applied?": lambda: torch.zeros_like(K)},
        )


@check(points=1, name="losses are the summed squared error")
def test_loss_definition(student: Student, rng: torch.Generator) -> None:
    """With lr = 0 the kernel never moves, so every recorded loss must be the loss of the returned kernel;
    with lr > 0 the last recorded loss must be that of the kernel before the last step, not after it."""
    X = uniform(rng, 4, 5)
    Y = oracle.corr2d(X, uniform(rng, 1, 2))
    kernel, losses = learn(student, X, Y, (1, 2), 0.0, 3)
    squared = (oracle.corr2d(X, kernel) - Y) ** 2
    expected = float(squared.sum())
    if abs(losses[0] - expected) > 1e-4 * (1 + expected):
        mean = float(squared.mean())
        raise CheckFailed(
            f"with lr=0 the returned kernel {kernel.tolist()} has summed squared error {expected:.6g}, "
            f"but the recorded loss is {losses[0]:.6g}",
            reason="wrong loss",
            bug="it is the mean squared error; use the sum" if abs(losses[0] - mean) <= 1e-4 * (1 + mean) else None,
        )
    expect_loss_before_step(student, rng)


def expect_loss_before_step(student: Student, rng: torch.Generator) -> None:
    """One gradient step on a least-squares loss is an invertible affine map of the kernel, k' = A k + b with
    A = I - 2 lr PᵀP and b = 2 lr Pᵀy (P: the input's windows), so undoing it recovers the kernel whose loss the
    last epoch must have recorded. lr = 1/(2 λ_max(2 PᵀP)) keeps A well-conditioned (eigenvalues in [1/2, 1))."""
    X = uniform(rng, 4, 5)
    Y = oracle.corr2d(X, uniform(rng, 1, 2))
    P = X.double().unfold(0, 1, 1).unfold(1, 2, 1).reshape(-1, 2)
    gram = 2 * P.T @ P
    lr = 0.5 / float(torch.linalg.eigvalsh(gram)[-1])
    kernel, losses = learn(student, X, Y, (1, 2), lr, 2)
    A = torch.eye(2, dtype=torch.float64) - lr * gram
    b = 2 * lr * P.T @ Y.double().reshape(-1)
    before = torch.linalg.solve(A, kernel.double().reshape(-1) - b).reshape(1, 2)
    expected = float(((oracle.corr2d(X.double(), before) - Y.double()) ** 2).sum())
    if abs(losses[-1] - expected) > 1e-3 * (1 + expected):
        after = float(((oracle.corr2d(X.double(), kernel.double()) - Y.double()) ** 2).sum())
        after_step = abs(losses[-1] - after) <= 1e-3 * (1 + after)
        raise CheckFailed(
            f"with lr={lr:.4g} and 2 epochs, the kernel before the last step has summed squared error "
            f"{expected:.6g}, but the last recorded loss is {losses[-1]:.6g}",
            reason="wrong loss",
            bug="it is the loss after the step; record the loss computed before the update" if after_step else None,
        )
