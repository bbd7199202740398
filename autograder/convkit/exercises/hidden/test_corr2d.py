"""Hidden checks for `corr2d(X, K)`: values, shapes, dtypes, autograd, and untouched inputs."""

from __future__ import annotations

import torch

from convkit.checking import (
    DETACHED,
    Bug,
    CheckFailed,
    Function,
    Student,
    book_K,
    book_X,
    check,
    choice,
    close,
    edge_image,
    edge_variant,
    expect_call,
    expect_dtype,
    factor,
    gradient_error,
    integers,
    oracle,
    size,
    uniform,
    unlike,
    variants,
)

BUGS = (
    Bug(
        "the kernel is flipped, which is convolution, not cross-correlation",
        "multiply each window by K as it is, without flipping it",
        lambda X, K: oracle.corr2d(X, K.flip(0, 1)),
    ),
    Bug(
        "the kernel is transposed", "use K as it is, not K.T", lambda X, K: oracle.corr2d(X, K.t())
    ),
    Bug(
        "the output is sized from the input's height in both dimensions",
        "use X.shape[1] for the width: Y has shape (H - h + 1, W - w + 1)",
        lambda X, K: oracle.corr2d(X[:, : X.shape[0]], K) if X.shape[1] > X.shape[0] else None,
    ),
    Bug(
        "the window is K's height in both dimensions",
        "slide a window of K's shape, X[i:i + h, j:j + w]",
        lambda X, K: (
            oracle.corr2d(X, K[:, :1].expand(-1, K.shape[0])) if K.shape[1] != K.shape[0] else None
        ),
    ),
    Bug(
        "the result is rounded to integers",
        "keep Y floating-point: create it with torch.zeros, not from X",
        lambda X, K: oracle.corr2d(X, K).trunc(),
    ),
    Bug(
        "the loops stop one step early",
        "loop over range(H - h + 1) and range(W - w + 1)",
        lambda X, K: oracle.corr2d(X, K)[:-1, :-1],
    ),
    Bug(
        "X and K have different dtypes",
        "make both floating-point before multiplying, e.g. X.float() * K.float()",
        raised=r"expected (scalar type|both vectors to have same dtype)|result type Float can't "
        r"be cast",
    ),
)

CORR2D = Function("corr2d", ("X", "K"), oracle.corr2d, bugs=BUGS)


@check(points=1, name="book example, scaled, shifted and transposed")
def test_book_example(student: Student, rng: torch.Generator) -> None:
    for X, K in variants(rng, book_X(), book_K()):
        expect_call(student, CORR2D, X=X, K=K)


@check(points=1, name="edge detection, on the book's picture and on others")
def test_edge_detection(student: Student, rng: torch.Generator) -> None:
    K = torch.tensor([[1.0, -1.0]])
    X = edge_variant(rng)
    for image, kernel in (
        (edge_image(), K),
        (edge_image().t().contiguous(), K),
        (X, K * factor(rng)),
        (X.t().contiguous(), K),
    ):
        expect_call(student, CORR2D, X=image, K=kernel)


@check(points=2, name="random shapes and edge cases")
def test_random_shapes(student: Student, rng: torch.Generator) -> None:
    H = size(rng, 4, 7)
    W = unlike(rng, 5, 9, H)
    h = size(rng, 2, 3)
    w = choice(rng, [n for n in (1, 2, 3, 4) if n != h and W - n != H - h])
    cases = [
        (uniform(rng, H, W), uniform(rng, h, w)),  # non-square input and kernel, H - h != W - w
        (uniform(rng, H, W), uniform(rng, 1, 1)),  # 1 x 1 kernel
        (uniform(rng, H, W), uniform(rng, H, W)),  # kernel as large as the input
        (uniform(rng, 1, W), uniform(rng, 1, 2)),  # a single row
        (uniform(rng, H, 3), uniform(rng, 3, 1)),  # a tall kernel
    ]
    for X, K in cases:
        expect_call(student, CORR2D, X=X, K=K)


@check(points=1, name="integer inputs give a float result of the inputs' dtype")
def test_integer_inputs(student: Student, rng: torch.Generator) -> None:
    """Integer X with an integer and with a float kernel (whose fractions must survive), and float32
    in and out."""
    height = size(rng, 3, 5)
    X = integers(rng, height, height + 2)  # H - h differs from W - w
    for K in (integers(rng, 2, 3), uniform(rng, 2, 3)):
        expect_dtype(student, CORR2D, X=X, K=K)
    expect_dtype(student, CORR2D, X=uniform(rng, height, height + 1), K=uniform(rng, 3, 2))


@check(points=1, name="differentiable with respect to X and K")
def test_autograd(student: Student, rng: torch.Generator) -> None:
    height = size(rng, 3, 5)
    # non-square, and H - h differs from W - w
    X, K = (
        uniform(rng, height, height + 2),
        uniform(rng, 2, 3),
    )
    G = uniform(rng, X.shape[0] - 1, X.shape[1] - 2)
    expect_call(student, CORR2D, X=X, K=K)
    result = student.call("corr2d", X, K, grad_args=(0, 1), grad_output=G)
    where = f"corr2d(X, K) with X of shape {tuple(X.shape)}, K of shape {tuple(K.shape)}"
    if result.grads is None:
        detached = result.grad_error == DETACHED
        raise CheckFailed(
            f"{where}: backward failed: {result.grad_error}",
            reason="backward failed",
            bug="the result is built from detached values: compute Y from X and K with torch "
            "operations, not .item(), .detach() or torch.tensor(list)"
            if detached
            else None,
        )
    X64, K64 = X.double().requires_grad_(), K.double().requires_grad_()
    wants = torch.autograd.grad((oracle.corr2d(X64, K64) * G.double()).sum(), (X64, K64))
    for name, got, want in zip(("X", "K"), result.grads, wants, strict=True):
        if got is None:
            raise CheckFailed(
                f"{where}: no gradient reached {name}",
                reason="no gradient",
                bug="the result is built from detached values: compute Y from X and K with torch "
                "operations, not .item() or torch.tensor(list)",
            )
        if not close(got, want, 1e-4):
            wrong = f"the gradient with respect to {name} is wrong ({gradient_error(got, want)})"
            raise CheckFailed(f"{where}: {wrong}", reason="wrong gradient")
