"""Hidden checks for `learn_kernel(X, Y, kernel_size, lr, epochs)`, graded with correct earlier functions.

Gradient descent on a least-squares loss is an affine map of the kernel, so the whole run is an affine function
of the student's (unknown, arbitrary) starting kernel. The judge recovers that start from the returned kernel,
replays the run, and compares every recorded loss: a run that is not plain gradient descent with the summed
loss, recorded before each step, cannot match, whatever the seed. Known wrong runs (mean loss, loss after the
step, ascent, gradients never zeroed, the book's step size) are replayed the same way to name the bug.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from convkit.judge import oracle
from convkit.judge.checks import check
from convkit.judge.draw import edge_image, edge_variant, factor, offset, size, uniform
from convkit.judge.errors import CheckFailed
from convkit.judge.feedback import expect_tensor, kind
from convkit.judge.student import Student

BOOK_LR, BOOK_EPOCHS = 3e-2, 10
"""The defaults of the signature: a run that ignores `lr` or `epochs` uses these."""


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
    if not all(math.isfinite(v) for v in values) or not bool(torch.isfinite(kernel).all()):  # type: ignore[arg-type]
        raise CheckFailed(f"{where}: the loss is not finite ({values[-1]}): is the step's sign or size wrong?", reason="loss not finite")
    return kernel, values  # type: ignore[return-value]


def _number(value: Any) -> float | None:
    if type(value) in (int, float):
        return float(value)
    if type(value) is torch.Tensor and value.numel() == 1 and value.is_floating_point():
        return float(value.reshape(()))
    return None


def windows(X: torch.Tensor, kernel_size: tuple[int, int]) -> torch.Tensor:
    """P with corr2d(X, k).flatten() == P @ k.flatten(), in float64."""
    h, w = kernel_size
    return X.double().unfold(0, h, 1).unfold(1, w, 1).reshape(-1, h * w)


def curvature(X: torch.Tensor, kernel_size: tuple[int, int]) -> torch.Tensor:
    """The eigenvalues of the summed loss's Hessian, 2 PᵀP, smallest first."""
    P = windows(X, kernel_size)
    return torch.linalg.eigvalsh(2 * P.T @ P)


Run = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, float, int], tuple[torch.Tensor, list[float]]]


def descent(P: torch.Tensor, y: torch.Tensor, k: torch.Tensor, lr: float, epochs: int) -> tuple[torch.Tensor, list[float]]:
    """The book's loop: record the summed squared error, then one gradient step."""
    losses = []
    for _ in range(epochs):
        residual = P @ k - y
        losses.append(float(residual @ residual))
        k = k - lr * 2 * P.T @ residual
    return k, losses


def mean_loss(P: torch.Tensor, y: torch.Tensor, k: torch.Tensor, lr: float, epochs: int) -> tuple[torch.Tensor, list[float]]:
    k, losses = descent(P / math.sqrt(len(y)), y / math.sqrt(len(y)), k, lr, epochs)
    return k, losses


def loss_after_step(P: torch.Tensor, y: torch.Tensor, k: torch.Tensor, lr: float, epochs: int) -> tuple[torch.Tensor, list[float]]:
    losses = []
    for _ in range(epochs):
        k = k - lr * 2 * P.T @ (P @ k - y)
        residual = P @ k - y
        losses.append(float(residual @ residual))
    return k, losses


def ascent(P: torch.Tensor, y: torch.Tensor, k: torch.Tensor, lr: float, epochs: int) -> tuple[torch.Tensor, list[float]]:
    return descent(P, y, k, -lr, epochs)


def never_zeroed(P: torch.Tensor, y: torch.Tensor, k: torch.Tensor, lr: float, epochs: int) -> tuple[torch.Tensor, list[float]]:
    losses, gradient = [], torch.zeros_like(k)
    for _ in range(epochs):
        residual = P @ k - y
        losses.append(float(residual @ residual))
        gradient = gradient + 2 * P.T @ residual
        k = k - lr * gradient
    return k, losses


def book_step(P: torch.Tensor, y: torch.Tensor, k: torch.Tensor, lr: float, epochs: int) -> tuple[torch.Tensor, list[float]]:
    return descent(P, y, k, BOOK_LR, epochs)


def with_bias(P: torch.Tensor, y: torch.Tensor, k: torch.Tensor, lr: float, epochs: int) -> tuple[torch.Tensor, list[float]]:
    """A layer with a bias (starting at zero, as the book's Conv2D does) trained along with the kernel."""
    k, losses = descent(torch.cat([P, torch.ones(len(P), 1, dtype=P.dtype)], 1), y, torch.cat([k, k.new_zeros(1)]), lr, epochs)
    return k[:-1], losses


WRONG_RUNS: dict[str, Run] = {
    "the loss is the mean squared error; use the sum, ((Y_hat - Y) ** 2).sum()": mean_loss,
    "each epoch records the loss after its step; record the loss computed before the update": loss_after_step,
    "the step goes up the gradient (gradient ascent): subtract lr * grad": ascent,
    "the gradients were never zeroed, so they add up over epochs: call zero_grad() (or w.grad.zero_()) each step": never_zeroed,
    "the lr argument is ignored (the book's 3e-2 was used): step by lr * grad": book_step,
    "a bias is trained along with the kernel (a Conv2D layer?): learn the kernel alone, without a bias": with_bias,
}


def replay(run: Run, X: torch.Tensor, Y: torch.Tensor, kernel: torch.Tensor, lr: float, epochs: int) -> list[float] | None:
    """The losses `run` records when it ends at `kernel`, or None if no start leads there. The run is affine in
    its start (k_n = M k_0 + c), so the start is M⁻¹ (k_n - c)."""
    P, y = windows(X, tuple(kernel.shape)), Y.double().reshape(-1)  # type: ignore[arg-type]
    size_ = P.shape[1]
    end_from_zero, _ = run(P, y, torch.zeros(size_, dtype=torch.float64), lr, epochs)
    M = torch.stack([run(P, y, torch.eye(size_, dtype=torch.float64)[i], lr, epochs)[0] - end_from_zero for i in range(size_)], 1)
    if not bool(torch.isfinite(M).all()) or float(torch.linalg.cond(M)) > 1e8:
        return None
    start = torch.linalg.solve(M, kernel.double().reshape(-1) - end_from_zero)
    return run(P, y, start, lr, epochs)[1]


def same_losses(recorded: list[float], replayed: list[float] | None) -> bool:
    return replayed is not None and all(abs(a - b) <= 1e-3 * (1 + abs(b)) for a, b in zip(recorded, replayed, strict=True))


def learnable(rng: torch.Generator, draw: Callable[[], torch.Tensor], kernel_size: tuple[int, int], top: float, condition: float) -> torch.Tensor:
    """An input whose loss has largest curvature `top` and condition number at most `condition`, so that a given
    step size converges (or diverges) alike on every seed."""
    for _ in range(500):
        X = draw()
        eigenvalues = curvature(X, kernel_size)
        if float(eigenvalues[0]) > 0 and float(eigenvalues[-1] / eigenvalues[0]) <= condition:
            return X * math.sqrt(top / float(eigenvalues[-1]))
    raise AssertionError(f"no input of condition number {condition} or less for kernel {kernel_size}")


@check(points=1.5, name="recovers the edge kernel, on the book's picture and on others")
def test_book_edges(student: Student, rng: torch.Generator) -> None:
    """With the book's step size and 40 epochs; the other picture is conditioned like the book's (12 to 60)."""
    other = learnable(rng, lambda: edge_variant(rng), (1, 2), 50.0, 5.0)
    for X, K in ((edge_image(), torch.tensor([[1.0, -1.0]])), (other, torch.tensor([[1.0, -1.0]]) * factor(rng))):
        kernel, losses = learn(student, X, oracle.corr2d(X, K), (1, 2), BOOK_LR, 40)
        where = f"on an edge picture of shape {tuple(X.shape)} after 40 epochs"
        if not losses[-1] < losses[0] or losses[-1] > 1e-3 * (1 + losses[0]):
            raise CheckFailed(
                f"{where} the loss went from {losses[0]:.4g} to {losses[-1]:.4g}; it should fall below {1e-3 * (1 + losses[0]):.2g}",
                reason="the loss does not fall",
            )
        expect_tensor(kernel, K, where=where, tol=1e-2)


@check(points=1.5, name="recovers random kernels of other sizes")
def test_random_kernels(student: Student, rng: torch.Generator) -> None:
    """Largest curvature 180, so lr is 1/180 and the book's 3e-2 would diverge; never the default 10 epochs."""
    for kernel_size in [(2, 2), (1, 3), (size(rng, 2, 3), 1)]:
        X = learnable(rng, lambda ks=kernel_size: uniform(rng, ks[0] + size(rng, 3, 4), ks[1] + size(rng, 3, 5)), kernel_size, 180.0, 4.5)
        eigenvalues = curvature(X, kernel_size)
        lr = 1 / float(eigenvalues[-1])
        contraction = 1 - float(eigenvalues[0] / eigenvalues[-1])
        epochs = max(12, math.ceil(math.log(1e-6) / math.log(contraction)))
        K = uniform(rng, *kernel_size)
        kernel, _ = learn(student, X, oracle.corr2d(X, K), kernel_size, lr, epochs)
        expect_tensor(
            kernel,
            K,
            where=f"on a random X of shape {tuple(X.shape)} with a true kernel of shape {kernel_size}, lr={lr:.4g}, epochs={epochs}",
            tol=1e-2,
            bugs={"the kernel did not move from zero: is the update applied?": lambda: torch.zeros_like(K)},
        )


@check(points=1, name="each epoch records the summed squared error, then takes one gradient step")
def test_loss_definition(student: Student, rng: torch.Generator) -> None:
    """Replays the run from the start it must have had; the step size keeps the replay well-conditioned. The
    target is offset, so that a bias trained along with the kernel changes the run on every seed."""
    X = learnable(rng, lambda: uniform(rng, 4, 5), (1, 2), 12.0, 4.0)
    Y = oracle.corr2d(X, uniform(rng, 1, 2)) + offset(rng)
    lr = 0.5 / float(curvature(X, (1, 2))[-1])
    epochs = size(rng, 3, 4)
    kernel, losses = learn(student, X, Y, (1, 2), lr, epochs)
    expected = replay(descent, X, Y, kernel, lr, epochs)
    if same_losses(losses, expected):
        return
    bug = next((text for text, run in WRONG_RUNS.items() if same_losses(losses, replay(run, X, Y, kernel, lr, epochs))), None)
    shown = ", ".join(f"{value:.4g}" for value in losses)
    wanted = ", ".join(f"{value:.4g}" for value in expected or [])
    raise CheckFailed(
        f"with lr={lr:.4g} and {epochs} epochs the recorded losses are [{shown}], but gradient descent that ends at the "
        f"returned kernel records [{wanted}]",
        reason="wrong losses",
        bug=bug,
    )
