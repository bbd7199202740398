"""Public checks: the book's examples. Run `pytest` in this folder; the hidden checks are more thorough."""

import pytest
import torch

from convolutions import *  # noqa: F403


def assert_close(actual, expected, tol=1e-4):
    """Fail with the error size unless `actual` is a float tensor equal to `expected` within `tol`."""
    expected = torch.as_tensor(expected, dtype=torch.float64)
    assert isinstance(actual, torch.Tensor), f"expected a torch.Tensor, got {type(actual).__name__}"
    assert actual.is_floating_point(), f"expected a floating-point tensor, got dtype {actual.dtype}"
    assert actual.shape == expected.shape, f"expected shape {tuple(expected.shape)}, got {tuple(actual.shape)}"
    error = (actual.detach().double() - expected).abs().max().item() if expected.numel() else 0.0
    assert error <= tol, f"max error {error:.3g} (a correct answer reaches < {tol:g})"


def not_implemented_is_one_line(check):
    """Untouched stubs fail with one line, not a traceback."""

    def run():
        try:
            check()
        except NotImplementedError as exc:
            pytest.fail(str(exc) or "not implemented yet", pytrace=False)

    run.__name__ = check.__name__
    return run


@not_implemented_is_one_line
def test_corr2d_book_example():
    X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    assert_close(corr2d(X, K), [[19.0, 25.0], [37.0, 43.0]])


@not_implemented_is_one_line
def test_corr2d_vertical_edges():
    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    K = torch.tensor([[1.0, -1.0]])
    assert_close(corr2d(X, K), [[0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0]] * 6)
    assert_close(corr2d(X.t(), K), torch.zeros((8, 5)))


@not_implemented_is_one_line
def test_conv2d_layer_parameters():
    layer = Conv2D(kernel_size=(1, 2))
    shapes = {name: tuple(p.shape) for name, p in layer.named_parameters()}
    assert shapes == {'weight': (1, 2), 'bias': (1,)}, f'parameters are {shapes}'


@not_implemented_is_one_line
def test_conv2d_layer_forward():
    layer = Conv2D(kernel_size=(1, 2))
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, -1.0]]))
        layer.bias.fill_(0.5)
    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    assert_close(layer(X), [[0.5, 1.5, 0.5, 0.5, 0.5, -0.5, 0.5]] * 6)


@not_implemented_is_one_line
def test_learn_kernel_recovers_the_edge_kernel():
    X = torch.ones((6, 8))
    X[:, 2:6] = 0
    Y = torch.tensor([[0.0, 1.0, 0.0, 0.0, 0.0, -1.0, 0.0]] * 6)
    kernel, losses = learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=30)
    assert len(losses) == 30, f'{len(losses)} losses for 30 epochs'
    assert losses[-1] < losses[0], f'loss went from {losses[0]} to {losses[-1]}'
    assert_close(kernel, [[1.0, -1.0]], tol=0.05)


@not_implemented_is_one_line
def test_output_shape_book_shapes():
    assert conv_output_shape(8, 3, padding=1) == (8, 8)
    assert conv_output_shape(8, (5, 3), padding=(2, 1)) == (8, 8)
    assert conv_output_shape(8, 3, padding=1, stride=2) == (4, 4)
    assert conv_output_shape(8, (3, 5), padding=(0, 1), stride=(3, 4)) == (2, 2)


@not_implemented_is_one_line
def test_pad_stride_book_shapes():
    X = torch.rand((8, 8))
    assert corr2d_pad_stride(X, torch.rand((3, 3)), padding=1).shape == (8, 8)
    assert corr2d_pad_stride(X, torch.rand((5, 3)), padding=(2, 1)).shape == (8, 8)
    assert corr2d_pad_stride(X, torch.rand((3, 3)), padding=1, stride=2).shape == (4, 4)
    assert corr2d_pad_stride(X, torch.rand((3, 5)), padding=(0, 1), stride=(3, 4)).shape == (2, 2)


@not_implemented_is_one_line
def test_pad_stride_padded_values():
    X = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert_close(corr2d_pad_stride(X, torch.ones((2, 2)), padding=1),
                 [[1.0, 3.0, 2.0], [4.0, 10.0, 6.0], [3.0, 7.0, 4.0]])


@not_implemented_is_one_line
def test_multi_in_book_example():
    X = torch.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
                      [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
    K = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])
    assert_close(corr2d_multi_in(X, K), [[56.0, 72.0], [104.0, 120.0]])


@not_implemented_is_one_line
def test_multi_in_out_book_example():
    X = torch.tensor([[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]],
                      [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]])
    K = torch.tensor([[[0.0, 1.0], [2.0, 3.0]], [[1.0, 2.0], [3.0, 4.0]]])
    K = torch.stack((K, K + 1, K + 2), 0)
    assert_close(corr2d_multi_in_out(X, K),
                 [[[56.0, 72.0], [104.0, 120.0]],
                  [[76.0, 100.0], [148.0, 172.0]],
                  [[96.0, 128.0], [192.0, 224.0]]])


@not_implemented_is_one_line
def test_conv1x1_matches_corr2d_multi_in_out():
    torch.manual_seed(0)
    X = torch.normal(0, 1, (3, 3, 4))
    K = torch.normal(0, 1, (2, 3, 1, 1))
    expected = torch.einsum('oi,ihw->ohw', K[:, :, 0, 0], X)
    assert_close(corr2d_multi_in_out_1x1(X, K), expected, tol=1e-5)


@not_implemented_is_one_line
def test_pool2d_book_example():
    X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    assert_close(pool2d(X, (2, 2)), [[4.0, 5.0], [7.0, 8.0]])
    assert_close(pool2d(X, (2, 2), 'avg'), [[2.0, 3.0], [5.0, 6.0]])
