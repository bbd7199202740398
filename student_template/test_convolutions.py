"""Public checks: the book's examples, one line each. Run `pytest` in this folder.

They use the book's inputs; the hidden checks that grade your work use other, random inputs, so passing these is
a start, not the end.
"""

import pytest

"""Public checks: the book's examples, run on the student's own machine, one line each.

This file is copied verbatim into what students get (the notebook's first cell and
test_convolutions.py), followed by the checks of each question rendered from the questions;
it imports nothing but torch and the standard library. A failing check says what is wrong in one
line, names a known bug when the output matches one (the handout carries those wrong outputs for the
book's inputs, nothing else), shows expected and actual values as small grids, and says when a
question it builds on fails too.
"""

import warnings

import torch

GRID = 6
CHECKS = {}
"""Question id -> check name -> check(env); filled by the rendered checks that follow this
runtime."""
BUILDS_ON = {}
"""Question id -> earlier question ids whose functions a usual answer calls."""
TORCH_SCALAR_WARNING = "Converting a tensor with requires_grad=True to a scalar"
"""What torch says of `float(loss)`, the natural way to record a loss as the Python float that
learn_kernel asks for: a correct answer, so the checks keep it from the student."""


class Failure(Exception):
    """A public check's verdict: its message is what the student reads."""


def _num(x):
    text = f"{float(x):.4g}"
    return "0" if text == "-0" else text


def _rows(tensor):
    tensor = tensor.detach()
    while tensor.dim() > 2 and tensor.shape[-1] == 1:
        tensor = tensor.squeeze(-1)
    if tensor.dim() == 0:
        return [_num(tensor)]
    if tensor.dim() == 1:
        tensor = tensor[None]
    if tensor.dim() > 3 or any(n > GRID for n in tensor.shape):
        return [f"a tensor of shape {tuple(tensor.shape)}"]
    if tensor.dim() == 3:
        return [
            line
            for index, matrix in enumerate(tensor)
            for line in [f"[{index}]", *("  " + row for row in _rows(matrix))]
        ]
    cells = [[_num(x) for x in row] for row in tensor.tolist()]
    width = max(len(cell) for row in cells for cell in row)
    return [" ".join(cell.rjust(width) for cell in row) for row in cells]


def _grid(name, tensor):
    rows = _rows(tensor)
    if rows[0].startswith("a tensor of shape"):
        return [f"{name} {tuple(tensor.shape)}: too large to show"]
    return [f"{name} {tuple(tensor.shape)}:", *("  " + row for row in rows)]


def expect_close(call, actual, expected, bugs=None, tol=1e-4):
    """Fail unless `actual` is a floating-point tensor equal to `expected` (within `tol`)."""
    expected = torch.as_tensor(expected, dtype=torch.float64)
    if not isinstance(actual, torch.Tensor):
        raise Failure(f"{call}: expected a torch.Tensor, got {type(actual).__name__}")
    if not actual.is_floating_point():
        raise Failure(
            f"{call}: expected a floating-point tensor, got dtype "
            f"{str(actual.dtype).replace('torch.', '')}"
        )
    got = actual.detach().double()
    if got.shape == expected.shape and (
        not expected.numel() or float((got - expected).abs().max()) <= tol
    ):
        return
    named = next((bug for bug, wrong in (bugs or {}).items() if _same(got, wrong, tol)), None)
    if got.shape != expected.shape:
        summary = f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}"
    else:
        wrong = ((got - expected).abs() > tol).nonzero()[0].tolist()
        summary = (
            f"first wrong at {wrong}: expected {_num(expected[tuple(wrong)])}, got "
            f"{_num(got[tuple(wrong)])}"
        )
    head = f"{call}: {named}" if named else f"{call}: {summary}"
    raise Failure(
        "\n".join(
            [head, *([summary] if named else []), *_grid("expected", expected), *_grid("got", got)]
        )
    )


def _same(got, wrong, tol):
    wrong = torch.as_tensor(wrong, dtype=torch.float64)
    return got.shape == wrong.shape and float((got - wrong).abs().max()) <= tol


def expect_equal(call, actual, expected, bugs=None):
    """Fail unless `actual == expected` (same type too: a list is not a tuple)."""
    if type(actual) is type(expected) and actual == expected:
        return
    named = next(
        (
            bug
            for bug, wrong in (bugs or {}).items()
            if type(actual) is type(wrong) and actual == wrong
        ),
        None,
    )
    seen = f"expected {expected!r}, got {actual!r}"
    raise Failure(f"{call}: {named}\n{seen}" if named else f"{call}: {seen}")


def symbol(env, name):
    """The student's definition of `name`."""
    if name not in env:
        raise Failure(f"`{name}` is not defined: define it with exactly this name")
    return env[name]


def require(condition, message):
    """Fail with `message` unless `condition` holds."""
    if not condition:
        raise Failure(message)


class NotImplementedYet(Failure):
    """The function is still the stub."""


def run_check(check, env):
    """One check on the student's names in `env`: None if it passes, else the failure (a
    Failure)."""
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=TORCH_SCALAR_WARNING, category=UserWarning)
            check(env)
    except NotImplementedError as error:
        return NotImplementedYet(str(error) or "not implemented yet")
    except Failure as failed:
        return failed
    except Exception as error:  # noqa: BLE001 - the student's code may raise anything; say it in one line
        return Failure(f"raised {type(error).__name__}: {' '.join(str(error).split())[:200]}")
    return None


def verdict(question, name, env):
    """One public check: None if it passes, else the lines saying why (with a word when a question
    it builds on fails its own checks, the likelier cause)."""
    failed = run_check(CHECKS[question][name], env)
    if failed is None:
        return None
    lines = str(failed).splitlines() or ["failed"]
    if not isinstance(failed, NotImplementedYet):
        broken = [
            earlier
            for earlier in BUILDS_ON.get(question, ())
            if any(run_check(check, env) for check in CHECKS[earlier].values())
        ]
        if broken:
            lines = [f"{lines[0]} (`{broken[0]}` fails its own checks; fix it first)", *lines[1:]]
    return lines


def run_question(question, env):
    """Every public check of one question: a list of (check name, None or the lines saying why it
    failed)."""
    return [(name, verdict(question, name, env)) for name in CHECKS[question]]


def report(question, env):
    """The public checks of one question as a student reads them: one line per check, details
    indented."""
    lines = []
    outcomes = run_question(question, env)
    for name, failure in outcomes:
        if failure is None:
            lines.append(f"{question}: {name}: passed")
        else:
            lines.append(f"{question}: {name}: {failure[0]}")
            lines += ["    " + line for line in failure[1:]]
    failed = sum(1 for _, failure in outcomes if failure)
    lines.append(
        f"{question}: all {len(outcomes)} public checks passed"
        if not failed
        else f"{question}: {failed} of {len(outcomes)} public checks failed"
    )
    return "\n".join(lines)


def _check_corr2d_book_example(env):
    corr2d = symbol(env, 'corr2d')
    X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    expect_close('corr2d(X, K)', corr2d(X, K), [[19.0, 25.0], [37.0, 43.0]], bugs={
            'the kernel is flipped, which is convolution, not cross-correlation: multiply each window by K as it is, without flipping it':
                [[5.0, 11.0], [23.0, 29.0]],
            'the kernel is transposed: use K as it is, not K.T':
                [[17.0, 23.0], [35.0, 41.0]],
            'the loops stop one step early: loop over range(H - h + 1) and range(W - w + 1)':
                [[19.0]],
        })


def _check_corr2d_vertical_edges(env):
    corr2d = symbol(env, 'corr2d')
    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    K = torch.tensor([[1.0, -1.0]])
    expect_close('corr2d(X, K)', corr2d(X, K), [[0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0]] * 6, bugs={
            'the kernel is flipped, which is convolution, not cross-correlation: multiply each window by K as it is, without flipping it':
                [[0.0, -1.0, 0.0, 0.0, 0.0, 1.0, 0.0], [0.0, -1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
                 [0.0, -1.0, 0.0, 0.0, 0.0, 1.0, 0.0], [0.0, -1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
                 [0.0, -1.0, 0.0, 0.0, 0.0, 1.0, 0.0], [0.0, -1.0, 0.0, 0.0, 0.0, 1.0, 0.0]],
            'the kernel is transposed: use K as it is, not K.T':
                [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                 [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                 [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]],
            "the output is sized from the input's height in both dimensions: use X.shape[1] for the width: Y has shape (H - h + 1, W - w + 1)":
                [[0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0],
                 [0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0]],
            "the window is K's height in both dimensions: slide a window of K's shape, X[i:i + h, j:j + w]":
                [[1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0],
                 [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0],
                 [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0]],
            'the loops stop one step early: loop over range(H - h + 1) and range(W - w + 1)':
                [[0.0, 1.0, 0.0, 0.0, 0.0, -1.0], [0.0, 1.0, 0.0, 0.0, 0.0, -1.0], [0.0, 1.0, 0.0, 0.0, 0.0, -1.0],
                 [0.0, 1.0, 0.0, 0.0, 0.0, -1.0], [0.0, 1.0, 0.0, 0.0, 0.0, -1.0]],
        })
    expect_close('corr2d(X.t(), K)', corr2d(X.t(), K), torch.zeros((8, 5)), bugs={
            'the kernel is transposed: use K as it is, not K.T':
                [[0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                 [0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                 [-1.0, -1.0, -1.0, -1.0, -1.0, -1.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]],
            "the window is K's height in both dimensions: slide a window of K's shape, X[i:i + h, j:j + w]":
                [[1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                 [0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                 [1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]],
            'the loops stop one step early: loop over range(H - h + 1) and range(W - w + 1)':
                [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0],
                 [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]],
        })


CHECKS['corr2d'] = {
    'book example': _check_corr2d_book_example,
    'vertical edges': _check_corr2d_vertical_edges,
}


def _check_conv2d_layer_parameters(env):
    Conv2D = symbol(env, 'Conv2D')
    layer = Conv2D(kernel_size=(1, 2))
    shapes = {name: tuple(p.shape) for name, p in layer.named_parameters()}
    expect_equal('shapes', shapes, {'weight': (1, 2), 'bias': (1,)})


def _check_conv2d_layer_forward(env):
    Conv2D = symbol(env, 'Conv2D')
    layer = Conv2D(kernel_size=(1, 2))
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, -1.0]]))
        layer.bias.fill_(0.5)
    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    expect_close('layer(X)', layer(X), [[0.5, 1.5, 0.5, 0.5, 0.5, -0.5, 0.5]] * 6)


CHECKS['conv2d_layer'] = {
    'parameters': _check_conv2d_layer_parameters,
    'forward': _check_conv2d_layer_forward,
}
BUILDS_ON['conv2d_layer'] = ('corr2d',)


def _check_learn_kernel_recovers_the_edge_kernel(env):
    learn_kernel = symbol(env, 'learn_kernel')
    torch.manual_seed(0)  # the same start each run, so the check prints the same
    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    Y = torch.tensor([[0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0]] * 6)
    kernel, losses = learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=30)
    expect_close('kernel', kernel, [[1.0, -1.0]], tol=0.05)
    require(len(losses) == 30, f'learn_kernel(..., epochs=30) recorded {len(losses)} losses; one per epoch')
    require(losses[-1] < losses[0], f'the loss went from {losses[0]:.4g} to {losses[-1]:.4g}; it should fall')


CHECKS['learn_kernel'] = {
    'recovers the edge kernel': _check_learn_kernel_recovers_the_edge_kernel,
}
BUILDS_ON['learn_kernel'] = ('corr2d',)


def _check_output_shape_book_shapes(env):
    conv_output_shape = symbol(env, 'conv_output_shape')
    expect_equal('conv_output_shape(8, 3, padding=1)', conv_output_shape(8, 3, padding=1), (8, 8), bugs={
            'the + 1 is missing: floor((n + 2p - k) / s) + 1':
                (7, 7),
        })
    expect_equal('conv_output_shape(8, (5, 3), padding=(2, 1))', conv_output_shape(8, (5, 3), padding=(2, 1)), (8, 8), bugs={
            'the + 1 is missing: floor((n + 2p - k) / s) + 1':
                (7, 7),
            'padding is counted once: it is added on each side: n + 2p - k':
                (6, 7),
            "a pair kernel size is reduced to its first entry: use the height's kernel size for the height and the width's for the width":
                (8, 6),
            "a pair padding is reduced to its first entry: use the height's padding for the height and the width's for the width":
                (8, 10),
        })
    expect_equal('conv_output_shape(8, 3, padding=1, stride=2)', conv_output_shape(8, 3, padding=1, stride=2), (4, 4), bugs={
            'the + 1 is missing: floor((n + 2p - k) / s) + 1':
                (3, 3),
            'the division rounds up: use floor division //':
                (5, 5),
            'the stride is ignored: divide by the stride: (n + 2p - k) // s + 1':
                (8, 8),
        })
    expect_equal('conv_output_shape(8, (3, 5), padding=(0, 1), stride=(3, 4))', conv_output_shape(8, (3, 5), padding=(0, 1), stride=(3, 4)), (2, 2), bugs={
            'the + 1 is missing: floor((n + 2p - k) / s) + 1':
                (1, 1),
            'the division rounds up: use floor division //':
                (3, 3),
            'the + 1 is inside the division: (n + 2p - k) // s + 1, not (n + 2p - k + 1) // s':
                (2, 1),
            'the stride is ignored: divide by the stride: (n + 2p - k) // s + 1':
                (6, 6),
            'the division is rounded to the nearest integer: use floor division //':
                (3, 2),
            'the padding is added after dividing by the stride: pad first: (n + 2p - k) // s + 1':
                (2, 3),
        })


CHECKS['output_shape'] = {
    'book shapes': _check_output_shape_book_shapes,
}


def _check_pad_stride_book_shapes(env):
    corr2d_pad_stride = symbol(env, 'corr2d_pad_stride')
    X = torch.rand((8, 8))
    expect_equal('tuple(corr2d_pad_stride(X, torch.rand((3, 3)), padding=1).shape)', tuple(corr2d_pad_stride(X, torch.rand((3, 3)), padding=1).shape), (8, 8))
    expect_equal('tuple(corr2d_pad_stride(X, torch.rand((5, 3)), padding=(2, 1)).shape)', tuple(corr2d_pad_stride(X, torch.rand((5, 3)), padding=(2, 1)).shape), (8, 8))
    expect_equal('tuple(corr2d_pad_stride(X, torch.rand((3, 3)), padding=1, stride=2).shape)', tuple(corr2d_pad_stride(X, torch.rand((3, 3)), padding=1, stride=2).shape), (4, 4))
    expect_equal('tuple(corr2d_pad_stride(X, torch.rand((3, 5)), padding=(0, 1), stride=(3, 4)).shape)', tuple(corr2d_pad_stride(X, torch.rand((3, 5)), padding=(0, 1), stride=(3, 4)).shape), (2, 2))


def _check_pad_stride_padded_values(env):
    corr2d_pad_stride = symbol(env, 'corr2d_pad_stride')
    X = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    K = torch.ones((2, 2))
    expect_close('corr2d_pad_stride(X, K, padding=1)', corr2d_pad_stride(X, K, padding=1), [[1.0, 3.0, 2.0], [4.0, 10.0, 6.0], [3.0, 7.0, 4.0]], bugs={
            'padding is added only at the top and left: add p zeros on every side':
                [[1.0, 3.0], [4.0, 10.0]],
            'padding is added only at the bottom and right: add p zeros on every side':
                [[10.0, 6.0], [7.0, 4.0]],
            'the padding is ignored: surround X with p zeros before sliding the kernel':
                [[10.0]],
            'the zeros are added around the output, after the stride: pad X before sliding the kernel':
                [[0.0, 0.0, 0.0], [0.0, 10.0, 0.0], [0.0, 0.0, 0.0]],
            "the padding copies the edge values: pad with zeros (F.pad's default mode)":
                [[4.0, 6.0, 8.0], [8.0, 10.0, 12.0], [12.0, 14.0, 16.0]],
        })


CHECKS['pad_stride'] = {
    'book shapes': _check_pad_stride_book_shapes,
    'padded values': _check_pad_stride_padded_values,
}
BUILDS_ON['pad_stride'] = ('corr2d',)


def _check_multi_in_book_example(env):
    corr2d_multi_in = symbol(env, 'corr2d_multi_in')
    X = torch.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
                      [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
    K = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])
    expect_close('corr2d_multi_in(X, K)', corr2d_multi_in(X, K), [[56.0, 72.0], [104.0, 120.0]], bugs={
            "the channels are averaged: add the channels' results up (sum, not mean)":
                [[28.0, 36.0], [52.0, 60.0]],
            'only the first channel is used: add corr2d(X[c], K[c]) over every channel c':
                [[19.0, 25.0], [37.0, 43.0]],
            'only the last channel is used: add corr2d(X[c], K[c]) over every channel c':
                [[37.0, 47.0], [67.0, 77.0]],
            'the kernel is flipped, which is convolution, not cross-correlation: multiply each window by K[c] as it is':
                [[28.0, 44.0], [76.0, 92.0]],
            "the output is X's channels summed, correlated with K's channels summed: every channel meets every kernel slice: correlate each channel with its own kernel slice, then add: sum of corr2d(X[c], K[c])":
                [[108.0, 140.0], [204.0, 236.0]],
            "the channels' results are returned one per channel, not added: sum over the channel axis: one (H - h + 1, W - w + 1) output":
                [[[19.0, 25.0], [37.0, 43.0]], [[37.0, 47.0], [67.0, 77.0]]],
        })


CHECKS['multi_in'] = {
    'book example': _check_multi_in_book_example,
}
BUILDS_ON['multi_in'] = ('corr2d',)


def _check_multi_in_out_book_example(env):
    corr2d_multi_in_out = symbol(env, 'corr2d_multi_in_out')
    X = torch.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
                      [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
    K = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])
    K = torch.stack((K, K + 1, K + 2), 0)
    expect_close('corr2d_multi_in_out(X, K)', corr2d_multi_in_out(X, K), [[[56.0, 72.0], [104.0, 120.0]], [[76.0, 100.0], [148.0, 172.0]], [[96.0, 128.0], [192.0, 224.0]]], bugs={
            'the output channels are summed into one: keep one output channel per kernel K[o]':
                [[[228.0, 300.0], [444.0, 516.0]]],
            'the output channels are added into one map: keep one output channel per kernel K[o]':
                [[228.0, 300.0], [444.0, 516.0]],
            'only the first kernel is used, for every output channel: output channel o is corr2d_multi_in(X, K[o])':
                [[[56.0, 72.0], [104.0, 120.0]], [[56.0, 72.0], [104.0, 120.0]], [[56.0, 72.0], [104.0, 120.0]]],
            'the kernel is flipped, which is convolution, not cross-correlation: use each K[o] as it is':
                [[[28.0, 44.0], [76.0, 92.0]], [[48.0, 72.0], [120.0, 144.0]], [[68.0, 100.0], [164.0, 196.0]]],
            "the output channels are in reverse order: keep the kernels' order":
                [[[96.0, 128.0], [192.0, 224.0]], [[76.0, 100.0], [148.0, 172.0]], [[56.0, 72.0], [104.0, 120.0]]],
            'the input channels are averaged: add them up: corr2d_multi_in sums over channels':
                [[[28.0, 36.0], [52.0, 60.0]], [[38.0, 50.0], [74.0, 86.0]], [[48.0, 64.0], [96.0, 112.0]]],
            'torch.cat joins the outputs along an existing axis: use torch.stack(outputs, 0), which adds the channel axis':
                [[56.0, 72.0], [104.0, 120.0], [76.0, 100.0], [148.0, 172.0], [96.0, 128.0], [192.0, 224.0]],
            'the outputs are stacked along the last axis: stack them along a new first axis, torch.stack(outputs, 0)':
                [[[56.0, 76.0, 96.0], [72.0, 100.0, 128.0]], [[104.0, 148.0, 192.0], [120.0, 172.0, 224.0]]],
        })


CHECKS['multi_in_out'] = {
    'book example': _check_multi_in_out_book_example,
}
BUILDS_ON['multi_in_out'] = ('corr2d', 'multi_in')


def _check_conv1x1_matches_the_channel_mixing_product(env):
    corr2d_multi_in_out_1x1 = symbol(env, 'corr2d_multi_in_out_1x1')
    torch.manual_seed(0)
    X = torch.normal(0, 1, (3, 3, 4))
    K = torch.normal(0, 1, (2, 3, 1, 1))
    expect_close('corr2d_multi_in_out_1x1(X, K)', corr2d_multi_in_out_1x1(X, K), torch.einsum('oi,ihw->ohw', K[:, :, 0, 0], X), bugs={
            'height and width are mixed up when reshaping back: reshape the (c_o, H * W) product to (c_o, H, W)':
                [[[1.362523, 0.750094, -0.009815, 1.539558], [0.523435, -0.036035, 2.134936, -0.933505],
                  [-0.571879, 0.400594, -0.788842, -0.746527]],
                 [[1.154373, -0.157281, 2.44889, 0.855028], [2.444453, -1.997583, 4.013849, 1.656092],
                  [0.020653, -4.398462, -1.582763, 0.013693]]],
            'the input channels are averaged: add them up (the matrix product already does)':
                [[[0.454174, 0.174478, -0.190626, 0.250031], [-0.012012, 0.133531, -0.003272, 0.711645],
                  [-0.262947, 0.513186, -0.311168, -0.248842]],
                 [[0.384791, 0.814818, 0.006884, -0.052427], [-0.665861, -1.466154, 0.816297, 1.33795],
                  [-0.527588, 0.285009, 0.552031, 0.004564]]],
            'K is reshaped as (c_i, c_o) and transposed, which scrambles the weights: reshape it as (c_o, c_i): K.reshape(c_o, c_i)':
                [[[1.338366, 1.076092, 0.591886, 0.699708], [-0.795788, 0.336426, -0.36586, 1.89007],
                  [0.198981, 1.671747, -1.087446, -0.40932]],
                 [[1.087876, 0.997014, -1.342733, 0.18014], [-0.385828, -2.350652, 1.770827, 3.1858],
                  [-2.150123, 0.807709, 0.83794, -0.554446]]],
            'X is permuted before it is flattened, so its rows mix channels and pixels: flatten it as it is: X.reshape(c_i, H * W)':
                [[[0.774677, 0.90626, -0.160201, 0.965973], [-0.257809, -0.864836, 0.566046, -1.902787],
                  [0.460949, 2.226815, -0.317861, 0.920301]],
                 [[0.826073, -1.36475, -1.152989, 2.845004], [-1.916347, 1.616561, -0.443221, -1.34955],
                  [0.409083, -1.18973, 0.01018, -1.003171]]],
            'the product is X·Kᵀ read back as if it were K·X: multiply K.reshape(c_o, c_i) @ X.reshape(c_i, H * W)':
                [[[1.362523, 1.154373, 0.523435, 2.444453], [-0.571879, 0.020653, 0.750094, -0.157281],
                  [-0.036035, -1.997583, 0.400594, -4.398462]],
                 [[-0.009815, 2.44889, 2.134936, 4.013849], [-0.788842, -1.582763, 1.539558, 0.855028],
                  [-0.933505, 1.656092, -0.746527, 0.013693]]],
            'the result is not reshaped back: reshape the (c_o, H * W) product to (c_o, H, W)':
                [[1.362523, 0.523435, -0.571879, 0.750094, -0.036035, 0.400594, -0.009815, 2.134936, -0.788842,
                  1.539558, -0.933505, -0.746527],
                 [1.154373, 2.444453, 0.020653, -0.157281, -1.997583, -4.398462, 2.44889, 4.013849, -1.582763,
                  0.855028, 1.656092, 0.013693]],
            'the broadcast product is summed over the output channels: sum over the input channels, dim=1 of the (c_o, c_i, H, W) product':
                [[[2.261717, 2.314994, 0.503391, 0.871626], [-1.704987, -1.390188, 0.634843, 4.249296],
                  [-0.647423, 2.537932, -0.703086, -0.619015]],
                 [[-0.032653, -0.33722, -0.304284, 0.067375], [0.368552, 0.462083, -0.154393, -0.216204],
                  [-0.119802, -0.030628, -0.174594, -0.1202]],
                 [[0.287832, 0.990115, -0.750333, -0.346188], [-0.697183, -3.069764, 1.958625, 2.115693],
                  [-1.60438, -0.112719, 1.600268, 0.006381]]],
        }, tol=1e-05)


CHECKS['conv1x1'] = {
    'matches the channel-mixing product': _check_conv1x1_matches_the_channel_mixing_product,
}


def _check_pool2d_book_example(env):
    pool2d = symbol(env, 'pool2d')
    X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    expect_close('pool2d(X, (2, 2))', pool2d(X, (2, 2)), [[4.0, 5.0], [7.0, 8.0]], bugs={
            "max and avg are swapped: mode='max' takes the maximum, mode='avg' the mean":
                [[2.0, 3.0], [5.0, 6.0]],
            'the windows do not overlap (a stride equal to the window): move the window one step at a time (stride 1), as corr2d does':
                [[4.0]],
            "the output has the input's shape (zeros_like(X)?): make it (H - p_h + 1, W - p_w + 1)":
                [[4.0, 5.0, 0.0], [7.0, 8.0, 0.0], [0.0, 0.0, 0.0]],
        })
    expect_close("pool2d(X, (2, 2), 'avg')", pool2d(X, (2, 2), 'avg'), [[2.0, 3.0], [5.0, 6.0]], bugs={
            "max and avg are swapped: mode='max' takes the maximum, mode='avg' the mean":
                [[4.0, 5.0], [7.0, 8.0]],
            "the window is summed, not averaged: divide the window's sum by p_h * p_w (or take .mean())":
                [[8.0, 12.0], [20.0, 24.0]],
            'the windows do not overlap (a stride equal to the window): move the window one step at a time (stride 1), as corr2d does':
                [[2.0]],
            "the output has the input's shape (zeros_like(X)?): make it (H - p_h + 1, W - p_w + 1)":
                [[2.0, 3.0, 0.0], [5.0, 6.0, 0.0], [0.0, 0.0, 0.0]],
        })


CHECKS['pool2d'] = {
    'book example': _check_pool2d_book_example,
}


import convolutions  # noqa: E402 - your code, after the checks are defined


@pytest.mark.parametrize(("question", "name"), [(q, n) for q in CHECKS for n in CHECKS[q]], ids=lambda value: value)
def test_public(question, name):
    failure = verdict(question, name, vars(convolutions))
    if failure:
        pytest.fail("\n".join(failure), pytrace=False)
