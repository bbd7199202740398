"""Hidden checks for `class Conv2D(nn.Module)`, graded with a correct `corr2d` substituted."""

from __future__ import annotations

import torch

from convkit.judge import oracle
from convkit.judge.checks import check
from convkit.judge.draw import choice, size, uniform, unlike
from convkit.judge.errors import CheckFailed
from convkit.judge.feedback import expect_tensor, inputs, max_error
from convkit.judge.student import LayerProbe, Student


def kernel_sizes(rng: torch.Generator) -> list[tuple[int, int]]:
    """The book's (1, 2), a non-square one either way round, and 1 x 1."""
    return [(1, 2), choice(rng, [(2, 3), (3, 2)]), (1, 1)]


def probe(student: Student, rng: torch.Generator, kernel_size: tuple[int, int]) -> tuple[LayerProbe, dict[str, torch.Tensor]]:
    height = size(rng, 4, 6)
    x = uniform(rng, height, unlike(rng, 4, 7, height))
    weight, bias = uniform(rng, *kernel_size), uniform(rng, 1)
    grad_output = uniform(rng, x.shape[0] - kernel_size[0] + 1, x.shape[1] - kernel_size[1] + 1)
    layer = student.layer("Conv2D", kernel_size, x, grad_output, weight=weight, bias=bias)
    if not layer.is_module:
        raise CheckFailed(f"Conv2D({kernel_size}) is a {layer.type_name}, not an nn.Module", reason="not an nn.Module")
    return layer, {"x": x, "weight": weight, "bias": bias, "grad_output": grad_output}


def expect_parameters(layer: LayerProbe, kernel_size: tuple[int, int]) -> None:
    wanted = {"weight": (kernel_size, True), "bias": ((1,), True)}
    if layer.parameters != wanted:
        found = ", ".join(f"{name} {shape}" + ("" if grad else " (frozen)") for name, (shape, grad) in layer.parameters.items())
        raise CheckFailed(
            f"Conv2D({kernel_size}) should have exactly two trainable parameters, weight {kernel_size} and "
            f"bias (1,); found {found or 'none'}",
            reason="wrong parameters",
        )


@check(points=1, name="two trainable parameters, weight and bias")
def test_parameters(student: Student, rng: torch.Generator) -> None:
    for kernel_size in kernel_sizes(rng):
        expect_parameters(probe(student, rng, kernel_size)[0], kernel_size)


@check(points=1.5, name="forward is corr2d(x, weight) + bias")
def test_forward(student: Student, rng: torch.Generator) -> None:
    for kernel_size in kernel_sizes(rng):
        layer, data = probe(student, rng, kernel_size)
        expect_parameters(layer, kernel_size)
        x, weight, bias = data["x"], data["weight"], data["bias"]
        expect_tensor(
            layer.output,
            oracle.corr2d(x, weight) + bias,
            where=f"with weight = {weight.tolist()}, bias = {bias.tolist()}, " + inputs(x=x),
            bugs={
                "the bias is not added": lambda: oracle.corr2d(x, weight),
                "the kernel is flipped": lambda: oracle.corr2d(x, weight.flip(0, 1)) + bias,
            },
        )


@check(points=1.5, name="gradients reach weight and bias")
def test_gradients(student: Student, rng: torch.Generator) -> None:
    for kernel_size in kernel_sizes(rng):
        layer, data = probe(student, rng, kernel_size)
        expect_parameters(layer, kernel_size)
        where = f"Conv2D({kernel_size}) " + inputs(x=data["x"])
        if layer.grads is None:
            raise CheckFailed(f"{where}: backward failed: {layer.grad_error}", reason="backward failed")
        weight = data["weight"].double().requires_grad_()
        bias = data["bias"].double().requires_grad_()
        ((oracle.corr2d(data["x"].double(), weight) + bias) * data["grad_output"].double()).sum().backward()
        for name, got, want in zip(("weight", "bias"), layer.grads, (weight.grad, bias.grad), strict=True):
            if got is None:
                raise CheckFailed(f"{where}: no gradient reached {name}: is it an nn.Parameter used in forward?", reason="no gradient")
            if got.shape != want.shape or max_error(got, want) > 1e-4 * (1 + float(want.abs().max())):
                raise CheckFailed(f"{where}: the gradient of {name} is wrong (max error {max_error(got, want):.3g})", reason="wrong gradient")
