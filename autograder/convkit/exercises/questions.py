"""The nine questions of the assignment: the one place where ids, signatures, prompts and public
checks live.

Everything a student or an instructor sees (stubs, the notebook, public checks, otter test files,
the README table) is rendered from this list by `convkit build`; points come from the hidden suites
(`convkit.exercises.hidden`), so neither is written twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Example:
    """One call of a public check and the book's printed answer (a Python literal or torch
    expression), compared with `expect_close` (tensors) or `expect_equal` (`equal=True`); the build
    checks it against the oracle."""

    call: str
    expected: str
    tol: float = 1e-4
    equal: bool = False


@dataclass(frozen=True)
class PublicCheck:
    """A book example a student may run locally (`convkit.handout.public_checks`): `setup` defines
    the inputs, each example is compared (naming a known bug when the output matches one), then
    `code` may `require` more."""

    name: str
    setup: str = ""
    examples: tuple[Example, ...] = ()
    code: str = ""


@dataclass(frozen=True)
class Question:
    id: str
    symbol: str
    signature: str
    section: str
    title: str
    prompt: str
    docstring: str
    public: tuple[PublicCheck, ...] = field(default=())
    methods: tuple[str, ...] = field(default=())
    """For a class question, the method signatures the stub declares (each raises
    NotImplementedError)."""
    builds_on: tuple[str, ...] = field(default=())
    """Earlier questions whose functions a usual answer calls: when they fail too, the student is
    told first."""
    shapes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The named dimensions of its tensor arguments (one name in two tensors must agree: X's and K's
    channels): what the hidden checks shrink, and what an error is explained by when a later answer
    calls it wrongly."""

    @property
    def is_class(self) -> bool:
        return bool(self.methods)


QUESTIONS: tuple[Question, ...] = (
    Question(
        id="corr2d",
        symbol="corr2d",
        shapes={"X": ("H", "W"), "K": ("h", "w")},
        signature="corr2d(X, K)",
        section="6.2.1",
        title="Two-dimensional cross-correlation",
        prompt=(
            "Slide the kernel `K` over the input `X`; each output element is the sum of the "
            "elementwise product "
            "of `K` with the window of `X` under it. This is *cross-correlation*: the kernel is "
            "**not** flipped. "
            "For an input of shape $(n_h, n_w)$ and a kernel of shape $(k_h, k_w)$ the output "
            "has shape "
            "$(n_h - k_h + 1, n_w - k_w + 1)$."
        ),
        docstring="""Compute the 2-D cross-correlation of X with K (D2L 6.2.1); the kernel is """
        """not flipped.

    Args:
        X: tensor of shape (H, W), any real dtype (integer inputs are allowed).
        K: tensor of shape (h, w) with h <= H and w <= W.

    Returns:
        A new floating-point tensor Y of shape (H - h + 1, W - w + 1) with
        Y[i, j] = (X[i:i + h, j:j + w] * K).sum(), of the dtype torch gives X and K together,
        at least float32: integer X and a float32 K give float32, the kernel's fractions kept. """
        """Y must be differentiable with respect
        to X and K (autograd), and X and K must not be modified.""",
        public=(
            PublicCheck(
                "book example",
                "X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])\n"
                "K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])",
                (Example("corr2d(X, K)", "[[19.0, 25.0], [37.0, 43.0]]"),),
            ),
            PublicCheck(
                "vertical edges",
                "X = torch.ones((6, 8))\nX[:, 2:6] = 0\nK = torch.tensor([[1.0, -1.0]])",
                (
                    Example("corr2d(X, K)", "[[0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0]] * 6"),
                    Example("corr2d(X.t(), K)", "torch.zeros((8, 5))"),
                ),
            ),
        ),
    ),
    Question(
        id="conv2d_layer",
        symbol="Conv2D",
        signature="class Conv2D(nn.Module)",
        section="6.2.2",
        title="A convolutional layer",
        prompt=(
            "A convolutional layer cross-correlates its input with a learned kernel and adds a "
            "learned scalar "
            "bias. Give it exactly two parameters, `weight` (shape `kernel_size`) and `bias` "
            "(shape `(1,)`), and "
            "compute the forward pass with your `corr2d`."
        ),
        docstring="""A 2-D convolutional layer with one input and one output channel (D2L 6.2.2).

    Args:
        kernel_size: the kernel shape, a pair (h, w).

    Attributes:
        weight: nn.Parameter of shape kernel_size (any initialisation).
        bias: nn.Parameter of shape (1,).

    forward(x) takes x of shape (H, W) and returns corr2d(x, self.weight) + self.bias,
    a tensor of shape (H - h + 1, W - w + 1) through which gradients reach both parameters;
    forward must not modify x.""",
        methods=("__init__(self, kernel_size)", "forward(self, x)"),
        public=(
            PublicCheck(
                "parameters",
                "layer = Conv2D(kernel_size=(1, 2))\nshapes = {name: tuple(p.shape) for name, p "
                "in layer.named_parameters()}",
                (Example("shapes", "{'weight': (1, 2), 'bias': (1,)}", equal=True),),
            ),
            PublicCheck(
                "forward",
                "layer = Conv2D(kernel_size=(1, 2))\n"
                "with torch.no_grad():\n"
                "    layer.weight.copy_(torch.tensor([[1.0, -1.0]]))\n"
                "    layer.bias.fill_(0.5)\n"
                "X = torch.ones((6, 8))\n"
                "X[:, 2:6] = 0",
                (Example("layer(X)", "[[0.5, 1.5, 0.5, 0.5, 0.5, -0.5, 0.5]] * 6"),),
            ),
        ),
        builds_on=("corr2d",),
    ),
    Question(
        id="learn_kernel",
        symbol="learn_kernel",
        signature="learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10)",
        section="6.2.4",
        title="Learning a kernel",
        prompt=(
            "Recover the edge-detection kernel from input-output pairs alone: start from any "
            "kernel of shape "
            "`kernel_size` (no bias), and for each epoch compute the summed squared error between "
            "`corr2d(X, kernel)` and `Y`, record it, and take one gradient-descent step with "
            "learning rate `lr`."
        ),
        docstring="""Fit a bias-free kernel so that corr2d(X, kernel) approximates Y (D2L 6.2.4).

    Args:
        X: float tensor of shape (H, W).
        Y: float tensor of shape (H - h + 1, W - w + 1), the target output.
        kernel_size: the kernel shape (h, w).
        lr: the gradient-descent learning rate.
        epochs: the number of gradient steps.

    Returns:
        (kernel, losses): kernel is a tensor of shape kernel_size; losses is a list of
        `epochs` Python floats, the summed squared error ((Y_hat - Y) ** 2).sum() of each epoch.
        X and Y must not be modified.""",
        public=(
            PublicCheck(
                "recovers the edge kernel",
                "torch.manual_seed(0)  # the same start each run, so the check prints the same\n"
                "X = torch.ones((6, 8))\n"
                "X[:, 2:6] = 0\n"
                "Y = torch.tensor([[0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0]] * 6)\n"
                "kernel, losses = learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=30)",
                (Example("kernel", "[[1.0, -1.0]]", tol=0.05),),
                "require(len(losses) == 30, f'learn_kernel(..., epochs=30) recorded "
                "{len(losses)} losses; one per epoch')\n"
                "require(losses[-1] < losses[0], f'the loss went from {losses[0]:.4g} to "
                "{losses[-1]:.4g}; it should fall')",
            ),
        ),
        builds_on=("corr2d",),
    ),
    Question(
        id="output_shape",
        symbol="conv_output_shape",
        signature="conv_output_shape(input_size, kernel_size, padding=0, stride=1)",
        section="6.3",
        title="Output shape with padding and stride",
        prompt=(
            "With $p$ rows of zeros added on each side and a stride of $s$, an input of size $n$ "
            "and a kernel of "
            "size $k$ give an output of size $\\lfloor (n + 2p - k) / s \\rfloor + 1$ in that "
            "dimension. Each "
            "argument is an int (the same for height and width) or a pair (height, width)."
        ),
        docstring="""Return the (height, width) of a convolution's output, as nn.Conv2d """
        """computes it (D2L 6.3).

    Args:
        input_size, kernel_size, padding, stride: each an int (same for both dimensions)
            or a pair (height, width); padding is added on each side.

    Returns:
        A tuple of two plain Python ints: floor((n + 2p - k) / s) + 1 per dimension.""",
        public=(
            PublicCheck(
                "book shapes",
                examples=(
                    Example("conv_output_shape(8, 3, padding=1)", "(8, 8)", equal=True),
                    Example("conv_output_shape(8, (5, 3), padding=(2, 1))", "(8, 8)", equal=True),
                    Example("conv_output_shape(8, 3, padding=1, stride=2)", "(4, 4)", equal=True),
                    Example(
                        "conv_output_shape(8, (3, 5), padding=(0, 1), stride=(3, 4))",
                        "(2, 2)",
                        equal=True,
                    ),
                ),
            ),
        ),
    ),
    Question(
        id="pad_stride",
        symbol="corr2d_pad_stride",
        shapes={"X": ("H", "W"), "K": ("h", "w")},
        signature="corr2d_pad_stride(X, K, padding=0, stride=1)",
        section="6.3",
        title="Cross-correlation with padding and stride",
        prompt=(
            "Implement padding and stride from scratch: surround `X` with `padding` rows and "
            "columns of zeros on "
            "each side, then cross-correlate, moving the window `stride` rows or columns at a "
            "time. Do not call "
            "`F.conv2d` or `nn.Conv2d`: the result must equal theirs."
        ),
        docstring="""Zero-pad X on every side, then cross-correlate with K at the given stride """
        """(D2L 6.3).

    Args:
        X: float tensor of shape (H, W).
        K: float tensor of shape (h, w).
        padding: int or pair (p_h, p_w): zeros added on each side (top and bottom, left and right).
        stride: int or pair (s_h, s_w).

    Returns:
        A tensor of X's dtype (float32 stays float32) and of shape
        conv_output_shape((H, W), (h, w), padding, stride), numerically
        equal to F.conv2d(X[None, None], K[None, None], padding=padding, stride=stride)[0, 0].
        X and K must not be modified.""",
        public=(
            PublicCheck(
                "book shapes",
                "X = torch.rand((8, 8))",
                (
                    Example(
                        "tuple(corr2d_pad_stride(X, torch.rand((3, 3)), padding=1).shape)",
                        "(8, 8)",
                        equal=True,
                    ),
                    Example(
                        "tuple(corr2d_pad_stride(X, torch.rand((5, 3)), padding=(2, 1)).shape)",
                        "(8, 8)",
                        equal=True,
                    ),
                    Example(
                        "tuple(corr2d_pad_stride(X, torch.rand((3, 3)), padding=1, "
                        "stride=2).shape)",
                        "(4, 4)",
                        equal=True,
                    ),
                    Example(
                        "tuple(corr2d_pad_stride(X, torch.rand((3, 5)), padding=(0, 1), "
                        "stride=(3, 4)).shape)",
                        "(2, 2)",
                        equal=True,
                    ),
                ),
            ),
            PublicCheck(
                "padded values",
                "X = torch.tensor([[1.0, 2.0], [3.0, 4.0]])\nK = torch.ones((2, 2))",
                (
                    Example(
                        "corr2d_pad_stride(X, K, padding=1)",
                        "[[1.0, 3.0, 2.0], [4.0, 10.0, 6.0], [3.0, 7.0, 4.0]]",
                    ),
                ),
            ),
        ),
        builds_on=("corr2d",),
    ),
    Question(
        id="multi_in",
        symbol="corr2d_multi_in",
        shapes={"X": ("c", "H", "W"), "K": ("c", "h", "w")},
        signature="corr2d_multi_in(X, K)",
        section="6.4.1",
        title="Multiple input channels",
        prompt=(
            "With several input channels the kernel has one 2-D slice per channel: "
            "cross-correlate each channel "
            "of `X` with its slice of `K` and add the results."
        ),
        docstring="""Cross-correlate a multi-channel input with a multi-channel kernel (D2L 6.4.1).

    Args:
        X: float tensor of shape (c_i, H, W).
        K: float tensor of shape (c_i, h, w).

    Returns:
        A tensor of X's dtype (float32 stays float32) and of shape (H - h + 1, W - w + 1): the sum
        over channels c of corr2d(X[c], K[c]). X and K must not be modified.""",
        public=(
            PublicCheck(
                "book example",
                "X = torch.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],\n"
                "                  [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])\n"
                "K = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])",
                (Example("corr2d_multi_in(X, K)", "[[56.0, 72.0], [104.0, 120.0]]"),),
            ),
        ),
        builds_on=("corr2d",),
    ),
    Question(
        id="multi_in_out",
        symbol="corr2d_multi_in_out",
        shapes={"X": ("c_i", "H", "W"), "K": ("c_o", "c_i", "h", "w")},
        signature="corr2d_multi_in_out(X, K)",
        section="6.4.2",
        title="Multiple output channels",
        prompt=(
            "A kernel of shape $(c_o, c_i, k_h, k_w)$ makes $c_o$ output channels: output "
            "channel $o$ is "
            "`corr2d_multi_in(X, K[o])`. Stack them along a new first axis."
        ),
        docstring="""Cross-correlate X with each of c_o multi-channel kernels (D2L 6.4.2).

    Args:
        X: float tensor of shape (c_i, H, W).
        K: float tensor of shape (c_o, c_i, h, w).

    Returns:
        A tensor of X's dtype (float32 stays float32) and of shape (c_o, H - h + 1, W - w + 1) whose
        channel o is corr2d_multi_in(X, K[o]). X and K must not be modified.""",
        public=(
            PublicCheck(
                "book example",
                "X = torch.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],\n"
                "                  [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])\n"
                "K = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])\n"
                "K = torch.stack((K, K + 1, K + 2), 0)",
                (
                    Example(
                        "corr2d_multi_in_out(X, K)",
                        "[[[56.0, 72.0], [104.0, 120.0]], [[76.0, 100.0], [148.0, 172.0]], "
                        "[[96.0, 128.0], [192.0, 224.0]]]",
                    ),
                ),
            ),
        ),
        builds_on=("corr2d", "multi_in"),
    ),
    Question(
        id="conv1x1",
        symbol="corr2d_multi_in_out_1x1",
        shapes={"X": ("c_i", "H", "W"), "K": ("c_o", "c_i", "one", "one")},
        signature="corr2d_multi_in_out_1x1(X, K)",
        section="6.4.3",
        title="1 x 1 convolution as a matrix product",
        prompt=(
            "A $1 \\times 1$ kernel mixes channels at each pixel independently: reshape `X` to "
            "$(c_i, H W)$ and `K` to $(c_o, c_i)$, multiply once, and reshape back."
        ),
        docstring="""A 1x1 convolution computed as a single matrix multiplication (D2L 6.4.3).

    Args:
        X: float tensor of shape (c_i, H, W).
        K: float tensor of shape (c_o, c_i, 1, 1).

    Returns:
        A tensor of X's dtype (float32 stays float32) and of shape (c_o, H, W), equal to
        corr2d_multi_in_out(X, K). X and K must not be modified.""",
        public=(
            PublicCheck(
                "matches the channel-mixing product",
                "torch.manual_seed(0)\nX = torch.normal(0, 1, (3, 3, 4))\n"
                "K = torch.normal(0, 1, (2, 3, 1, 1))",
                (
                    Example(
                        "corr2d_multi_in_out_1x1(X, K)",
                        "torch.einsum('oi,ihw->ohw', K[:, :, 0, 0], X)",
                        tol=1e-5,
                    ),
                ),
            ),
        ),
    ),
    Question(
        id="pool2d",
        symbol="pool2d",
        shapes={"X": ("H", "W")},
        signature="pool2d(X, pool_size, mode='max')",
        section="6.5",
        title="Maximum and average pooling",
        prompt=(
            "Pooling slides a window like cross-correlation but has no kernel: each output "
            "element is the "
            "maximum (`mode='max'`) or the mean (`mode='avg'`) of the window. Use stride 1 and "
            "no padding, and "
            "reject any other mode with a `ValueError` that names the valid ones."
        ),
        docstring="""Max or average pooling with stride 1 and no padding (D2L 6.5).

    Args:
        X: float tensor of shape (H, W).
        pool_size: the window shape, a pair (p_h, p_w).
        mode: 'max' or 'avg'; anything else raises ValueError naming 'max' and 'avg'.

    Returns:
        A tensor of X's dtype (float32 stays float32) and of shape (H - p_h + 1, W - p_w + 1).
        X must not be modified.""",
        public=(
            PublicCheck(
                "book example",
                "X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])",
                (
                    Example("pool2d(X, (2, 2))", "[[4.0, 5.0], [7.0, 8.0]]"),
                    Example("pool2d(X, (2, 2), 'avg')", "[[2.0, 3.0], [5.0, 6.0]]"),
                ),
            ),
        ),
    ),
)

ASSIGNMENT = "convolutions"
"""The assignment's name: its notebook, module and the files students hand in are named after it."""
QUESTION_IDS: tuple[str, ...] = tuple(q.id for q in QUESTIONS)
BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}
BY_SYMBOL: dict[str, Question] = {q.symbol: q for q in QUESTIONS}


def earlier_symbols(question_id: str) -> tuple[str, ...]:
    """Symbols of the questions before this one: grading substitutes correct versions of them, so
    one bug costs points once (a student's Conv2D is graded with a correct corr2d)."""
    index = QUESTION_IDS.index(question_id)
    return tuple(q.symbol for q in QUESTIONS[:index])
