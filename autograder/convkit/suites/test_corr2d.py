"""Hidden checks for `corr2d(X, K)`: values, shapes, dtypes, autograd, and untouched inputs."""

from __future__ import annotations

import torch

from convkit.judge import oracle
from convkit.judge.checks import check
from convkit.judge.draw import book_K, book_X, edge_image, edge_variant, factor, integers, size, uniform, unlike, variants
from convkit.judge.errors import CheckFailed
from convkit.judge.feedback import Bugs, expect_inputs_unchanged, expect_tensor, inputs, max_error
from convkit.judge.student import Student


def corr2d_bugs(X: torch.Tensor, K: torch.Tensor) -> Bugs:
    return {
        "matches true convolution: the kernel is flipped": lambda: oracle.corr2d(X, K.flip(0, 1)),
        "the kernel is transposed (K.T was used)": lambda: oracle.corr2d(X, K.t()),
    }


def expect_corr2d(student: Student, X: torch.Tensor, K: torch.Tensor) -> None:
    where = inputs(X=X, K=K)
    result = student.call("corr2d", X, K)
    expect_inputs_unchanged(result.inputs_after, {"X": X, "K": K}, where)
    expect_tensor(result.result, oracle.corr2d(X, K), where=where, bugs=corr2d_bugs(X, K))


@check(points=1, name="book example, scaled, shifted and transposed")
def test_book_example(student: Student, rng: torch.Generator) -> None:
    for X, K in variants(rng, book_X(), book_K()):
        expect_corr2d(student, X, K)  # type: ignore[arg-type]


@check(points=1, name="edge detection, on the book's picture and on others")
def test_edge_detection(student: Student, rng: torch.Generator) -> None:
    K = torch.tensor([[1.0, -1.0]])
    expect_corr2d(student, edge_image(), K)
    expect_corr2d(student, edge_image().t().contiguous(), K)
    X = edge_variant(rng)
    expect_corr2d(student, X, K * factor(rng))
    expect_corr2d(student, X.t().contiguous(), K)


@check(points=2, name="random shapes and edge cases")
def test_random_shapes(student: Student, rng: torch.Generator) -> None:
    H = size(rng, 4, 7)
    W = unlike(rng, 5, 9, H)
    h = size(rng, 2, 3)
    cases = [
        (uniform(rng, H, W), uniform(rng, h, unlike(rng, 2, 4, h))),  # non-square input and kernel
        (uniform(rng, H, W), uniform(rng, 1, 1)),  # 1 x 1 kernel
        (uniform(rng, H, W), uniform(rng, H, W)),  # kernel as large as the input
        (uniform(rng, 1, W), uniform(rng, 1, 2)),  # a single row
        (uniform(rng, H, 3), uniform(rng, 3, 1)),  # a tall kernel
    ]
    for X, K in cases:
        expect_corr2d(student, X, K)


@check(points=1, name="integer inputs give a float result")
def test_integer_inputs(student: Student, rng: torch.Generator) -> None:
    height = size(rng, 3, 5)
    X, K = integers(rng, height, unlike(rng, 3, 6, height)), integers(rng, 2, 2)
    expect_corr2d(student, X, K)


@check(points=1, name="differentiable with respect to X and K")
def test_autograd(student: Student, rng: torch.Generator) -> None:
    height = size(rng, 3, 5)
    X, K = uniform(rng, height, unlike(rng, 4, 6, height)), uniform(rng, 2, 3)
    G = uniform(rng, X.shape[0] - 1, X.shape[1] - 2)
    where = inputs(X=X, K=K)
    result = student.call("corr2d", X, K, grad_args=(0, 1), grad_output=G)
    expect_tensor(result.result, oracle.corr2d(X, K), where=where, bugs=corr2d_bugs(X, K))
    if result.grads is None:
        raise CheckFailed(f"{where}: backward failed: {result.grad_error}", reason="backward failed")
    X64, K64 = X.double().requires_grad_(), K.double().requires_grad_()
    (oracle.corr2d(X64, K64) * G.double()).sum().backward()
    for name, got, want in zip(("X", "K"), result.grads, (X64.grad, K64.grad), strict=True):
        if got is None:
            raise CheckFailed(f"{where}: no gradient reached {name}: is the result built from detached values or .item()?", reason="no gradient")
        if got.shape != want.shape or max_error(got, want) > 1e-4 * (1 + float(want.abs().max())):
            raise CheckFailed(f"{where}: the gradient with respect to {name} is wrong (max error {max_error(got, want):.3g})", reason="wrong gradient")
