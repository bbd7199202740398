# Honest: a learner who likes small helpers and broadcasting: dtype promotion with torch.result_type,
# 1x1 convolution by broadcasting, a module-level demo guarded by __main__, type hints and docstrings.
from functools import reduce
import operator

import torch
from torch import nn


def _pair(value) -> tuple:
    """(h, w) from an int or a pair."""
    if isinstance(value, (tuple, list)):
        return int(value[0]), int(value[1])
    return int(value), int(value)


def corr2d(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
    """2-D cross-correlation."""
    out_dtype = torch.promote_types(torch.result_type(X, K), torch.get_default_dtype())
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1), dtype=out_dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = torch.sum(X[i:i + h, j:j + w] * K)
    return Y


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(kernel_size) * 0.01)
        self.register_parameter('bias', nn.Parameter(torch.zeros((1,))))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias

    def extra_repr(self):
        return f'kernel_size={tuple(self.weight.shape)}'


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    layer = Conv2D(kernel_size)
    losses = []
    for _ in range(epochs):
        Y_hat = corr2d(X, layer.weight)  # the exercise wants no bias
        loss = ((Y_hat - Y) ** 2).sum()
        layer.zero_grad()
        loss.backward()
        with torch.no_grad():
            layer.weight -= lr * layer.weight.grad
        losses.append(loss.item())
    return layer.weight.detach(), losses


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    sizes = [_pair(a) for a in (input_size, kernel_size, padding, stride)]
    out = []
    for d in range(2):
        n, k, p, s = (size[d] for size in sizes)
        out.append((n + 2 * p - k) // s + 1)
    return out[0], out[1]


def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = _pair(padding)
    s_h, s_w = _pair(stride)
    padded = nn.ZeroPad2d((p_w, p_w, p_h, p_h))(X[None])[0]
    h, w = K.shape
    out_h, out_w = conv_output_shape(tuple(X.shape), (h, w), (p_h, p_w), (s_h, s_w))
    Y = torch.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            r, c = i * s_h, j * s_w
            Y[i, j] = torch.sum(padded[r:r + h, c:c + w] * K)
    return Y


def corr2d_multi_in(X, K):
    return reduce(operator.add, [corr2d(x, k) for x, k in zip(X, K)])


def corr2d_multi_in_out(X, K):
    outputs = []
    for k in K:
        outputs.append(corr2d_multi_in(X, k))
    return torch.stack(outputs, dim=0)


def corr2d_multi_in_out_1x1(X, K):
    # K: (c_o, c_i, 1, 1) broadcasts against X: (c_i, H, W) -> (c_o, c_i, H, W)
    return (K * X).sum(dim=1)


class PoolingModeError(ValueError):
    """A ValueError of its own, as a library would define it."""


def pool2d(X, pool_size, mode='max'):
    if mode not in {'max', 'avg'}:
        raise PoolingModeError(f'Unsupported pooling mode {mode!r}; expected "max" or "avg".')
    reducer = torch.amax if mode == 'max' else torch.mean
    p_h, p_w = pool_size
    out = [[reducer(X[i:i + p_h, j:j + p_w]) for j in range(X.shape[1] - p_w + 1)]
           for i in range(X.shape[0] - p_h + 1)]
    return torch.stack([torch.stack(row) for row in out])


if __name__ == '__main__':
    X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    print(corr2d(X, torch.tensor([[0.0, 1.0], [2.0, 3.0]])))
    print(pool2d(X, (2, 2)), pool2d(X, (2, 2), 'avg'))
