"""Hidden checks for `learn_kernel(X, Y, kernel_size, lr, epochs)`, graded with correct earlier
functions.

Gradient descent on a least-squares loss is an affine map of the kernel, so the whole run is an
affine function of the student's (unknown, arbitrary) starting kernel. The judge recovers that start
from the returned kernel, replays the run, and compares every recorded loss: a run that is not plain
gradient descent with the summed loss, recorded before each step, cannot match, whatever the seed.
Known wrong runs (mean loss, loss after the step, ascent, gradients never zeroed, the book's step
size) are replayed the same way to name the bug.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from convkit.checking import (
    Bug,
    CheckFailed,
    Student,
    StudentRaised,
    check,
    describe,
    edge_image,
    edge_variant,
    expect_inputs_unchanged,
    expect_tensor,
    explained,
    factor,
    num,
    offset,
    oracle,
    size,
    uniform,
)
from convkit.checking import (
    cache as cache,
)

BOOK_LR, BOOK_EPOCHS = 3e-2, 10
"""The defaults of the signature: a run that ignores `lr` or `epochs` uses these."""


RAISED = (
    Bug(
        "the kernel is updated in place while autograd records it",
        "update it inside `with torch.no_grad():` (kernel -= lr * kernel.grad)",
        raised=r"leaf Variable that requires grad is being used in an in-place operation",
    ),
    Bug(
        "the loss does not depend on anything that requires a gradient",
        "create the kernel with requires_grad=True (or as an nn.Parameter)",
        raised=r"does not require grad and does not have a grad_fn",
    ),
    Bug(
        "kernel.grad is None: `kernel = kernel - lr * kernel.grad` makes a new tensor that is "
        "not a leaf",
        "update the kernel in place inside torch.no_grad(): kernel -= lr * kernel.grad",
        raised=r"unsupported operand type\(s\) for [*-]: '(float|Tensor)' and "
        r"'NoneType'|'NoneType' object has no attribute",
    ),
    Bug(
        "the prediction and Y have different shapes",
        "create the kernel with shape kernel_size, not a fixed (1, 2)",
        raised=r"The size of tensor a \(\d+\) must match the size of tensor b",
    ),
)


def learn(
    student: Student,
    X: torch.Tensor,
    Y: torch.Tensor,
    kernel_size: tuple[int, int],
    lr: float,
    epochs: int,
) -> tuple[torch.Tensor, list[float]]:
    """Call learn_kernel and insist on (tensor of shape kernel_size, one Python float per epoch)."""
    where = (
        f"learn_kernel(X of shape {tuple(X.shape)}, Y, kernel_size={kernel_size}, "
        f"lr={num(lr)}, epochs={epochs})"
    )
    try:
        call = student.call("learn_kernel", X, Y, kernel_size=kernel_size, lr=lr, epochs=epochs)
    except StudentRaised as error:
        raise explained(error, RAISED, where) from None
    expect_inputs_unchanged(call.inputs_after, {"X": X, "Y": Y}, where)
    result = call.result
    if type(result) not in (tuple, list) or len(result) != 2:
        raise CheckFailed(
            f"{where}: expected a pair (kernel, losses), got {describe(result)}",
            reason="not a pair",
        )
    kernel, losses = result
    if type(kernel) is not torch.Tensor or tuple(kernel.shape) != kernel_size:
        ignored = type(kernel) is torch.Tensor and tuple(kernel.shape) == (1, 2)
        raise CheckFailed(
            f"{where}: the kernel should be a tensor of shape {kernel_size}, got "
            f"{describe(kernel)}",
            reason="wrong kernel shape",
            bug="the kernel_size argument is ignored: create the kernel with shape kernel_size"
            if ignored
            else None,
        )
    if type(losses) not in (tuple, list) or any(type(loss) not in (int, float) for loss in losses):
        tensors = type(losses) in (tuple, list) and all(
            type(loss) is torch.Tensor for loss in losses
        )
        raise CheckFailed(
            f"{where}: losses should be a list of Python floats, got {describe(losses)}",
            reason="losses not floats",
            bug="the losses are tensors: record loss.item() (or float(loss))" if tensors else None,
        )
    if len(losses) != epochs:
        raise CheckFailed(
            f"{where}: expected one loss per epoch ({epochs}), got {len(losses)}",
            reason="wrong number of losses",
            bug=count_bug(len(losses), epochs),
        )
    values = [float(loss) for loss in losses]
    if not all(math.isfinite(v) for v in values) or not bool(torch.isfinite(kernel).all()):
        raise CheckFailed(
            f"{where}: the loss is not finite ({num(values[-1])}): is the step's sign or size "
            "wrong?",
            reason="loss not finite",
        )
    return kernel, values


def count_bug(count: int, epochs: int) -> str | None:
    if count == BOOK_EPOCHS:
        return "the epochs argument is ignored (the book's 10 were used): loop over range(epochs)"
    if count == epochs - 1:
        return "one epoch is missing: loop over range(epochs), not range(1, epochs)"
    if count == 1:
        return "only the last loss is returned: create the list before the loop, append inside it"
    return None


def windows(X: torch.Tensor, kernel_size: tuple[int, int]) -> torch.Tensor:
    """P with corr2d(X, k).flatten() == P @ k.flatten(), in float64."""
    h, w = kernel_size
    return X.double().unfold(0, h, 1).unfold(1, w, 1).reshape(-1, h * w)


def curvature(X: torch.Tensor, kernel_size: tuple[int, int]) -> torch.Tensor:
    """The eigenvalues of the summed loss's Hessian, 2 PᵀP, smallest first."""
    P = windows(X, kernel_size)
    return torch.linalg.eigvalsh(2 * P.T @ P)


Run = Callable[
    [torch.Tensor, torch.Tensor, torch.Tensor, float, int], tuple[torch.Tensor, list[float]]
]


def descent(
    P: torch.Tensor, y: torch.Tensor, k: torch.Tensor, lr: float, epochs: int
) -> tuple[torch.Tensor, list[float]]:
    """The book's loop: record the summed squared error, then one gradient step."""
    losses = []
    for _ in range(epochs):
        residual = P @ k - y
        losses.append(float(residual @ residual))
        k = k - lr * 2 * P.T @ residual
    return k, losses


def mean_loss(
    P: torch.Tensor, y: torch.Tensor, k: torch.Tensor, lr: float, epochs: int
) -> tuple[torch.Tensor, list[float]]:
    k, losses = descent(P / math.sqrt(len(y)), y / math.sqrt(len(y)), k, lr, epochs)
    return k, losses


def loss_after_step(
    P: torch.Tensor, y: torch.Tensor, k: torch.Tensor, lr: float, epochs: int
) -> tuple[torch.Tensor, list[float]]:
    losses = []
    for _ in range(epochs):
        k = k - lr * 2 * P.T @ (P @ k - y)
        residual = P @ k - y
        losses.append(float(residual @ residual))
    return k, losses


def ascent(
    P: torch.Tensor, y: torch.Tensor, k: torch.Tensor, lr: float, epochs: int
) -> tuple[torch.Tensor, list[float]]:
    return descent(P, y, k, -lr, epochs)


def frozen(
    P: torch.Tensor, y: torch.Tensor, k: torch.Tensor, lr: float, epochs: int
) -> tuple[torch.Tensor, list[float]]:
    return descent(P, y, k, 0.0, epochs)


def squared_sum(
    P: torch.Tensor, y: torch.Tensor, k: torch.Tensor, lr: float, epochs: int
) -> tuple[torch.Tensor, list[float]]:
    """The loss (sum of errors) squared: affine gradient 2 s Pᵀ1, with s the summed error."""
    losses, ones = [], torch.ones(len(y), dtype=P.dtype)
    for _ in range(epochs):
        total = ones @ (P @ k - y)
        losses.append(float(total * total))
        k = k - lr * 2 * total * (P.T @ ones)
    return k, losses


def never_zeroed(
    P: torch.Tensor, y: torch.Tensor, k: torch.Tensor, lr: float, epochs: int
) -> tuple[torch.Tensor, list[float]]:
    losses, gradient = [], torch.zeros_like(k)
    for _ in range(epochs):
        residual = P @ k - y
        losses.append(float(residual @ residual))
        gradient = gradient + 2 * P.T @ residual
        k = k - lr * gradient
    return k, losses


def book_step(
    P: torch.Tensor, y: torch.Tensor, k: torch.Tensor, lr: float, epochs: int
) -> tuple[torch.Tensor, list[float]]:
    return descent(P, y, k, BOOK_LR, epochs)


def with_bias(
    P: torch.Tensor, y: torch.Tensor, k: torch.Tensor, lr: float, epochs: int
) -> tuple[torch.Tensor, list[float]]:
    """A layer with a bias (starting at zero, as the book's Conv2D does) trained along with the
    kernel."""
    k, losses = descent(
        torch.cat([P, torch.ones(len(P), 1, dtype=P.dtype)], 1),
        y,
        torch.cat([k, k.new_zeros(1)]),
        lr,
        epochs,
    )
    return k[:-1], losses


WRONG_RUNS: dict[Bug, Run] = {
    Bug("the loss is the mean squared error", "use the sum, ((Y_hat - Y) ** 2).sum()"): mean_loss,
    Bug(
        "the losses and the kernel are one step apart: the last loss recorded is the returned "
        "kernel's own, where gradient "
        "descent records each loss before its step (the losses are recorded after the step, or "
        "the kernel returned is "
        "one step old)",
        "record each loss before its step, and return the kernel as the last step leaves it",
    ): loss_after_step,
    Bug("the step goes up the gradient (gradient ascent)", "subtract lr * grad"): ascent,
    Bug(
        "the gradients were never zeroed, so they add up over epochs",
        "call zero_grad() (or w.grad.zero_()) each step",
    ): never_zeroed,
    Bug("the lr argument is ignored (the book's 3e-2 was used)", "step by lr * grad"): book_step,
    Bug(
        "a bias is trained along with the kernel (a Conv2D layer?)",
        "learn the kernel alone, without a bias",
    ): with_bias,
    Bug(
        "the kernel never moves: the gradient is zeroed before the step, or the step is not "
        "applied",
        "compute the loss, call backward(), take the step, then zero the gradient",
    ): frozen,
    Bug(
        "the loss squares the sum of the errors", "sum the squared errors, ((Y_hat - Y) ** 2).sum()"
    ): squared_sum,
}


def replay(
    run: Run, X: torch.Tensor, Y: torch.Tensor, kernel: torch.Tensor, lr: float, epochs: int
) -> list[float] | None:
    """The losses `run` records when it ends at `kernel`, or None if no start leads there. The run
    is affine in its start (k_n = M k_0 + c), so the start is M⁻¹ (k_n - c)."""
    h, w = kernel.shape  # unpacked as windows() did: a ValueError where it is no matrix
    P, y = windows(X, (h, w)), Y.double().reshape(-1)
    inputs = {"X": X, "Y": Y, "kernel_size": tuple(kernel.shape), "lr": lr, "epochs": epochs}
    affine = cache.computed(run, inputs, lambda: _affine(run, P, y, lr, epochs))
    if affine is None:
        return None
    M, end_from_zero = affine
    start = torch.linalg.solve(M, kernel.double().reshape(-1) - end_from_zero)
    return run(P, y, start, lr, epochs)[1]


def _affine(
    run: Run, P: torch.Tensor, y: torch.Tensor, lr: float, epochs: int
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(M, c) with k_n = M k_0 + c for `run`, or None where M cannot be inverted reliably; the same
    for every submission given the same input, so `replay` computes it once."""
    size_ = P.shape[1]
    end_from_zero, _ = run(P, y, torch.zeros(size_, dtype=torch.float64), lr, epochs)
    M = torch.stack(
        [
            run(P, y, torch.eye(size_, dtype=torch.float64)[i], lr, epochs)[0] - end_from_zero
            for i in range(size_)
        ],
        1,
    )
    if not bool(torch.isfinite(M).all()) or float(torch.linalg.cond(M)) > 1e8:
        return None
    return M, end_from_zero


def same_losses(recorded: list[float], replayed: list[float] | None) -> bool:
    return replayed is not None and all(
        abs(a - b) <= 1e-3 * (1 + abs(b)) for a, b in zip(recorded, replayed, strict=True)
    )


def wrong_run(
    X: torch.Tensor,
    Y: torch.Tensor,
    kernel: torch.Tensor,
    losses: list[float],
    lr: float,
    epochs: int,
) -> str | None:
    """The known wrong run whose replay records `losses` and ends at `kernel`, in words."""
    return next(
        (
            str(bug)
            for bug, run in WRONG_RUNS.items()
            if same_losses(losses, replay(run, X, Y, kernel, lr, epochs))
        ),
        None,
    )


STILL_ZERO = Bug(
    "the kernel did not move from zero",
    "apply the update to the kernel itself",
    lambda K: torch.zeros_like(K),
)


def expect_learned(
    kernel: torch.Tensor,
    K: torch.Tensor,
    where: str,
    run: tuple[torch.Tensor, torch.Tensor, list[float], float, int],
) -> None:
    """The learned kernel must be K (within 1e-2); when it is not, the run that went wrong is named
    if known."""
    try:
        expect_tensor(
            kernel,
            K,
            where=where,
            tol=1e-2,
            bugs=(STILL_ZERO,),
            inputs={"K": K},
        )
    except CheckFailed as failed:
        X, Y, losses, lr, epochs = run
        failed.bug = failed.bug or wrong_run(X, Y, kernel, losses, lr, epochs)
        raise


def learnable(
    rng: torch.Generator,
    draw: Callable[..., torch.Tensor],
    args: tuple[int, ...],
    kernel_size: tuple[int, int],
    top: float,
    condition: float,
) -> torch.Tensor:
    """An input `draw(rng, *args)` whose loss has largest curvature `top` and condition number at
    most `condition`, so that a given step size converges (or diverges) alike on every seed. The
    search (tens of draws for the edge pictures) is the same for every submission graded with one
    seed: it is done once per judge process, keyed by the generator's state, and the generator is
    left where the search leaves it."""
    what = ("learnable", draw, kernel_size, top, condition)
    X, after = cache.computed(
        what,
        {"state": rng.get_state(), "args": args},
        lambda: _search(rng, draw, args, kernel_size, top, condition),
    )
    rng.set_state(after)
    # the cached input is shared by every submission: never handed out to be written
    return X.clone()


def _search(
    rng: torch.Generator,
    draw: Callable[..., torch.Tensor],
    args: tuple[int, ...],
    kernel_size: tuple[int, int],
    top: float,
    condition: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    for _ in range(500):
        X = draw(rng, *args)
        eigenvalues = curvature(X, kernel_size)
        if float(eigenvalues[0]) > 0 and float(eigenvalues[-1] / eigenvalues[0]) <= condition:
            return X * math.sqrt(top / float(eigenvalues[-1])), rng.get_state()
    raise AssertionError(
        f"no input of condition number {condition} or less for kernel {kernel_size}"
    )


def wider(rng: torch.Generator, kernel_h: int, kernel_w: int) -> torch.Tensor:
    """A random picture 3-4 rows and 3-5 columns larger than the kernel."""
    return uniform(rng, kernel_h + size(rng, 3, 4), kernel_w + size(rng, 3, 5))


@check(points=1.5, name="recovers the edge kernel, on the book's picture and on others")
def test_book_edges(student: Student, rng: torch.Generator) -> None:
    """With the book's step size and 40 epochs; the other picture is conditioned like the book's (12
    to 60)."""
    other = learnable(rng, edge_variant, (), (1, 2), 50.0, 5.0)
    for X, K in (
        (edge_image(), torch.tensor([[1.0, -1.0]])),
        (other, torch.tensor([[1.0, -1.0]]) * factor(rng)),
    ):
        Y = oracle.corr2d(X, K)
        kernel, losses = learn(student, X, Y, (1, 2), BOOK_LR, 40)
        where = f"on an edge picture of shape {tuple(X.shape)} after 40 epochs"
        if not losses[-1] < losses[0] or losses[-1] > 1e-3 * (1 + losses[0]):
            raise CheckFailed(
                f"{where} the loss went from {num(losses[0])} to {num(losses[-1])}; it should "
                f"fall below {num(1e-3 * (1 + losses[0]))}",
                reason="the loss does not fall",
                bug=wrong_run(X, Y, kernel, losses, BOOK_LR, 40),
            )
        expect_learned(kernel, K, where, (X, Y, losses, BOOK_LR, 40))


@check(points=1.5, name="recovers random kernels of other sizes")
def test_random_kernels(student: Student, rng: torch.Generator) -> None:
    """Largest curvature 180, so lr is 1/180 and the book's 3e-2 would diverge; never the default 10
    epochs."""
    for kernel_size in [(2, 2), (1, 3), (size(rng, 2, 3), 1)]:
        X = learnable(rng, wider, kernel_size, kernel_size, 180.0, 4.5)
        eigenvalues = curvature(X, kernel_size)
        lr = 1 / float(eigenvalues[-1])
        contraction = 1 - float(eigenvalues[0] / eigenvalues[-1])
        epochs = max(12, math.ceil(math.log(1e-6) / math.log(contraction)))
        K = uniform(rng, *kernel_size)
        Y = oracle.corr2d(X, K)
        kernel, losses = learn(student, X, Y, kernel_size, lr, epochs)
        where = (
            f"on a random X of shape {tuple(X.shape)} with a true kernel of shape "
            f"{kernel_size}, lr={num(lr)}, epochs={epochs}"
        )
        expect_learned(kernel, K, where, (X, Y, losses, lr, epochs))


@check(points=1, name="each epoch records the summed squared error, then takes one gradient step")
def test_loss_definition(student: Student, rng: torch.Generator) -> None:
    """Replays the run from the start it must have had; the step size keeps the replay
    well-conditioned. The target is offset, so that a bias trained along with the kernel changes the
    run on every seed."""
    X = learnable(rng, uniform, (4, 5), (1, 2), 12.0, 4.0)
    Y = oracle.corr2d(X, uniform(rng, 1, 2)) + offset(rng)
    lr = 0.5 / float(curvature(X, (1, 2))[-1])
    epochs = size(rng, 3, 4)
    kernel, losses = learn(student, X, Y, (1, 2), lr, epochs)
    expected = replay(descent, X, Y, kernel, lr, epochs)
    if same_losses(losses, expected):
        return
    bug = wrong_run(X, Y, kernel, losses, lr, epochs)
    shown = ", ".join(num(value) for value in losses)
    wanted = ", ".join(num(value) for value in expected or [])
    raise CheckFailed(
        f"with lr={num(lr)} and {epochs} epochs the recorded losses are [{shown}], but gradient "
        "descent that ends at the "
        f"returned kernel records [{wanted}]",
        reason="wrong losses",
        bug=bug,
    )
