# conv_output_shape: forgot the + 1 in the formula
import torch
from torch import nn


def corr2d(X, K):
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = torch.rand(kernel_size, requires_grad=True)
    losses = []
    for epoch in range(epochs):
        Y_hat = corr2d(X, kernel)
        l = ((Y_hat - Y) ** 2).sum()
        l.backward()
        with torch.no_grad():
            kernel -= lr * kernel.grad
        kernel.grad.zero_()
        losses.append(l.item())
    return kernel.detach(), losses


def _pair(value):
    if isinstance(value, int):
        return (value, value)
    return tuple(value)


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    n_h, n_w = _pair(input_size)
    k_h, k_w = _pair(kernel_size)
    p_h, p_w = _pair(padding)
    s_h, s_w = _pair(stride)
    out_h = (n_h + 2 * p_h - k_h) // s_h
    out_w = (n_w + 2 * p_w - k_w) // s_w
    return (out_h, out_w)


def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = _pair(padding)
    s_h, s_w = _pair(stride)
    H, W = X.shape
    padded = torch.zeros((H + 2 * p_h, W + 2 * p_w))
    padded[p_h:p_h + H, p_w:p_w + W] = X
    h, w = K.shape
    Y = torch.zeros(((padded.shape[0] - h) // s_h + 1, (padded.shape[1] - w) // s_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (padded[i * s_h:i * s_h + h, j * s_w:j * s_w + w] * K).sum()
    return Y


def corr2d_multi_in(X, K):
    return sum(corr2d(x, k) for x, k in zip(X, K))


def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d_multi_in(X, k) for k in K], 0)


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape((c_i, h * w))
    K = K.reshape((c_o, c_i))
    Y = torch.matmul(K, X)
    return Y.reshape((c_o, h, w))


def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + p_h, j:j + p_w]
            if mode == 'max':
                Y[i, j] = window.max()
            elif mode == 'avg':
                Y[i, j] = window.mean()
    return Y


# quick self-checks, as in the book
X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
print(corr2d(X, K))
print(pool2d(X, (2, 2)), pool2d(X, (2, 2), 'avg'))
