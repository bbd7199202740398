"""Hidden checks for `class Conv2D(nn.Module)`, graded with a correct `corr2d` substituted.

Each check builds the student's layer in the worker, sets its weight and bias to values the judge
chose (when their shapes allow), runs forward twice on one input and backward once, and gets back
the parameters' names, shapes and trainability, both outputs and the gradients: from these the judge
names what is wrong.
"""

from __future__ import annotations

import torch

from convkit.checking import (
    Bug,
    CheckFailed,
    LayerProbe,
    Student,
    StudentRaised,
    check,
    choice,
    close,
    expect_inputs_unchanged,
    expect_tensor,
    explained,
    gradient_error,
    max_error,
    oracle,
    quoted,
    size,
    uniform,
    unlike,
)

CONSTRUCTION = (
    Bug(
        "the parameters are created before nn.Module is set up",
        "call super().__init__() first in __init__, then create the parameters",
        raised=r"cannot assign (parameters?|modules?|buffers?) before Module.__init__\(\) "
        r"call|has no attribute '_(parameters|modules)'",
    ),
)

FORWARD = (
    Bug(
        "the bias is not added",
        "return corr2d(x, self.weight) + self.bias",
        lambda x, weight, bias, **_: oracle.corr2d(x, weight),
    ),
    Bug(
        "the kernel is flipped, which is convolution, not cross-correlation",
        "call corr2d(x, self.weight) with the weight as it is",
        lambda x, weight, bias, **_: oracle.corr2d(x, weight.flip(0, 1)) + bias,
    ),
    Bug(
        "the output goes through an activation (ReLU)",
        "the layer is corr2d(x, self.weight) + self.bias, nothing more",
        lambda x, weight, bias, **_: torch.relu(oracle.corr2d(x, weight) + bias),
    ),
    Bug(
        "the bias is subtracted",
        "add it: corr2d(x, self.weight) + self.bias",
        lambda x, weight, bias, **_: oracle.corr2d(x, weight) - bias,
    ),
)


def kernel_sizes(rng: torch.Generator) -> list[tuple[int, int]]:
    """The book's (1, 2), a non-square one either way round, and 1 x 1."""
    return [(1, 2), choice(rng, [(2, 3), (3, 2)]), (1, 1)]


def probe(
    student: Student, rng: torch.Generator, kernel_size: tuple[int, int]
) -> tuple[LayerProbe, dict[str, torch.Tensor]]:
    height = size(rng, 4, 6)
    x = uniform(rng, height, unlike(rng, 4, 7, height))
    weight, bias = uniform(rng, *kernel_size), uniform(rng, 1)
    grad_output = uniform(rng, x.shape[0] - kernel_size[0] + 1, x.shape[1] - kernel_size[1] + 1)
    try:
        layer = student.layer("Conv2D", kernel_size, x, grad_output, weight=weight, bias=bias)
    except StudentRaised as error:
        raise explained(error, CONSTRUCTION, f"Conv2D({kernel_size})") from None
    if not layer.is_module:
        what = f"Conv2D({kernel_size}) is a {quoted(layer.type_name)}, not an nn.Module"
        raise CheckFailed(what, reason="not an nn.Module")
    expect_inputs_unchanged([layer.x_after], {"x": x}, f"Conv2D({kernel_size}).forward")
    return layer, {"x": x, "weight": weight, "bias": bias, "grad_output": grad_output}


def parameter_bug(
    found: dict[str, tuple[tuple[int, ...], bool]], kernel_size: tuple[int, int]
) -> str | None:
    """Why the parameters are not exactly a trainable weight of shape kernel_size and a trainable
    bias (1,)."""
    weight, bias = found.get("weight"), found.get("bias")
    for name, entry, shape in (("weight", weight, kernel_size), ("bias", bias, (1,))):
        if entry is None:
            return (
                f"{name} is not a parameter (not trained, not listed): create it with "
                f"nn.Parameter(...) as self.{name}"
            )
        if entry[0] != shape:
            if name == "weight" and entry[0] == (1, 1, *kernel_size):
                return (
                    f"the weight has nn.Conv2d's shape {entry[0]}; it should be kernel_size, "
                    f"{shape}: nn.Parameter(torch.rand(kernel_size))"
                )
            if name == "weight" and entry[0] == (1, 2):
                return (
                    "the kernel size is ignored: the weight is always (1, 2); create it with "
                    f"shape kernel_size, {shape}"
                )
            if name == "bias" and entry[0] == kernel_size:
                return (
                    f"the bias has the kernel's shape {entry[0]}; it should be (1,): one "
                    "scalar, nn.Parameter(torch.zeros(1))"
                )
            return f"{name} has shape {entry[0]}; it should be {shape}"
        if not entry[1]:
            return (
                f"{name} is frozen (requires_grad=False): leave nn.Parameter's default so it "
                "is trained"
            )
    extra = ", ".join(map(named, sorted(set(found) - {"weight", "bias"})))
    return f"there are extra parameters {extra}: only weight and bias" if extra else None


def named(parameter: str) -> str:
    """A parameter's name as the student's code gave it: quoted unless a dotted identifier."""
    plain = all(part.isidentifier() for part in parameter.split("."))
    return parameter if plain else quoted(parameter)


def expect_parameters(layer: LayerProbe, kernel_size: tuple[int, int]) -> None:
    bug = parameter_bug(layer.parameters, kernel_size)
    if bug is not None:
        each = []
        for name, (shape, grad) in layer.parameters.items():
            each.append(f"{named(name)} {shape}" + ("" if grad else " (frozen)"))
        found = ", ".join(each)
        raise CheckFailed(
            f"Conv2D({kernel_size}) should have exactly two trainable parameters, weight "
            f"{kernel_size} and bias (1,); "
            f"found {found or 'none'}",
            reason="wrong parameters",
            bug=bug,
        )


def expect_forward_ran(layer: LayerProbe, kernel_size: tuple[int, int]) -> None:
    if layer.forward_error is not None:
        raise layer.forward_error.told(f"Conv2D({kernel_size}).forward")


@check(points=1, name="two trainable parameters, weight and bias")
def test_parameters(student: Student, rng: torch.Generator) -> None:
    for kernel_size in kernel_sizes(rng):
        expect_parameters(probe(student, rng, kernel_size)[0], kernel_size)


@check(points=1.5, name="forward is corr2d(x, weight) + bias")
def test_forward(student: Student, rng: torch.Generator) -> None:
    for kernel_size in kernel_sizes(rng):
        layer, data = probe(student, rng, kernel_size)
        expect_parameters(layer, kernel_size)
        expect_forward_ran(layer, kernel_size)
        x, weight, bias = data["x"], data["weight"], data["bias"]
        where = f"Conv2D({kernel_size}) with weight and bias set, on x of shape {tuple(x.shape)}"
        if (
            type(layer.output) is torch.Tensor
            and type(layer.again) is torch.Tensor
            and layer.output.shape == layer.again.shape
        ):
            if max_error(layer.output, layer.again) > 1e-6:
                raise CheckFailed(
                    f"{where}: two forward passes on the same x gave different outputs",
                    reason="forward is not repeatable",
                    bug="forward draws a new random weight on every call: create it once in "
                    "__init__ and use self.weight",
                )
        expect_tensor(
            layer.output, oracle.corr2d(x, weight) + bias, where=where, bugs=FORWARD, inputs=data
        )


@check(points=1.5, name="gradients reach weight and bias")
def test_gradients(student: Student, rng: torch.Generator) -> None:
    for kernel_size in kernel_sizes(rng):
        layer, data = probe(student, rng, kernel_size)
        expect_parameters(layer, kernel_size)
        expect_forward_ran(layer, kernel_size)
        where = f"Conv2D({kernel_size}) on x of shape {tuple(data['x'].shape)}"
        if layer.grads is None:
            raise CheckFailed(
                f"{where}: backward failed: {layer.grad_error}", reason="backward failed"
            )
        weight = data["weight"].double().requires_grad_()
        bias = data["bias"].double().requires_grad_()
        output = oracle.corr2d(data["x"].double(), weight) + bias
        wants = torch.autograd.grad((output * data["grad_output"].double()).sum(), (weight, bias))
        for name, got, want in zip(("weight", "bias"), layer.grads, wants, strict=True):
            if got is None:
                raise CheckFailed(
                    f"{where}: no gradient reached {name}",
                    reason="no gradient",
                    bug=f"no gradient reaches {name}: the output does not depend on the "
                    f"parameter self.{name} through "
                    f"autograd; compute it from self.{name} itself",
                )
            if not close(got, want, 1e-4):
                wrong = f"{where}: the gradient of {name} is wrong ({gradient_error(got, want)})"
                raise CheckFailed(wrong, reason="wrong gradient")
