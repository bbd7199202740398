# Honest: computes in float64 internally and converts back (a learner worried about precision), uses
# torch.zeros_like-style allocation from the window, `Y[i, j] = ...` loops, and a d2l-style helper for shapes.
import torch
from torch import nn


def corr2d(X, K):
    Xd, Kd = X.double(), K.double()
    h, w = Kd.shape
    Y = torch.zeros((Xd.shape[0] - h + 1, Xd.shape[1] - w + 1), dtype=torch.float64)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (Xd[i:i + h, j:j + w] * Kd).sum()
    out_dtype = torch.promote_types(torch.promote_types(X.dtype, K.dtype), torch.float32)
    return Y.to(out_dtype)


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.rand(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    K = torch.zeros(kernel_size, requires_grad=True)
    history = []
    for epoch in range(1, epochs + 1):
        err = corr2d(X, K) - Y
        loss = (err * err).sum()
        loss.backward()
        K.data.sub_(lr * K.grad.data)
        K.grad.data.zero_()
        history.append(float(loss))
    return K.detach(), history


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    def hw(x):
        return tuple(x) if not isinstance(x, int) else (x,) * 2

    n, k, p, s = map(hw, (input_size, kernel_size, padding, stride))
    return tuple(map(lambda a: (a[0] + 2 * a[2] - a[1]) // a[3] + 1, zip(n, k, p, s)))


def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = (padding,) * 2 if isinstance(padding, int) else padding
    s_h, s_w = (stride,) * 2 if isinstance(stride, int) else stride
    h, w = K.shape
    big = torch.zeros((X.shape[0] + 2 * p_h, X.shape[1] + 2 * p_w), dtype=X.dtype)
    big[p_h:big.shape[0] - p_h, p_w:big.shape[1] - p_w] = X
    Y = torch.zeros(((big.shape[0] - h) // s_h + 1, (big.shape[1] - w) // s_w + 1), dtype=X.dtype)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (big[i * s_h:i * s_h + h, j * s_w:j * s_w + w] * K).sum()
    return Y


def corr2d_multi_in(X, K):
    Y = corr2d(X[0], K[0])
    for c in range(1, X.shape[0]):
        Y = Y + corr2d(X[c], K[c])
    return Y


def corr2d_multi_in_out(X, K):
    Y = torch.zeros((K.shape[0], X.shape[1] - K.shape[2] + 1, X.shape[2] - K.shape[3] + 1))
    for o in range(K.shape[0]):
        Y[o] = corr2d_multi_in(X, K[o])
    return Y


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape((c_i, h * w))
    K = K.reshape((c_o, c_i))
    return (K @ X).reshape((c_o, h, w))


def pool2d(X, pool_size, mode='max'):
    if mode != 'max' and mode != 'avg':
        raise ValueError("mode: expected 'max' or 'avg', got " + repr(mode))
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + p_h, j:j + p_w]
            Y[i, j] = window.max() if mode == 'max' else window.mean()
    return Y
