# Correct, with the debugging prints learners leave in (tensors printed inside graded functions, a plot), an
# error message that prints its input too (the valid modes come after 300 characters), and conv_output_shape
# returning a torch.Size, which is a tuple of ints.
import torch
from torch import nn
import matplotlib.pyplot as plt


def corr2d(X, K):
    print("corr2d got", X, K)
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    print("corr2d returns", Y, Y.shape, Y.dtype)
    return Y


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(kernel_size))
        self.bias = nn.Parameter(torch.randn(1))
        print(self, list(self.parameters()))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    K = torch.zeros(kernel_size, requires_grad=True)
    losses = []
    for epoch in range(epochs):
        l = ((corr2d(X, K) - Y) ** 2).sum()
        l.backward()
        with torch.no_grad():
            K -= lr * K.grad
            K.grad.zero_()
        print(f"epoch {epoch + 1}, loss {l:.3f}", K)
        losses.append(l.item())
    plt.plot(losses)
    plt.close()
    return K.detach(), losses


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)
    (n_h, n_w), (k_h, k_w), (p_h, p_w), (s_h, s_w) = map(pair, (input_size, kernel_size, padding, stride))
    shape = ((n_h + 2 * p_h - k_h) // s_h + 1, (n_w + 2 * p_w - k_w) // s_w + 1)
    print("shape", shape)
    return torch.Size(shape)


def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    P = torch.zeros((X.shape[0] + 2 * p_h, X.shape[1] + 2 * p_w))
    P[p_h:p_h + X.shape[0], p_w:p_w + X.shape[1]] = X
    print(P)
    return corr2d(P, K)[::s_h, ::s_w]


def corr2d_multi_in(X, K):
    return sum(corr2d(x, k) for x, k in zip(X, K))


def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d_multi_in(X, k) for k in K], 0)


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    Y = torch.matmul(K.reshape(K.shape[0], c_i), X.reshape(c_i, h * w))
    print(Y)
    return Y.reshape(K.shape[0], h, w)


def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(
            f"pool2d(X, pool_size, mode) pools X over windows of pool_size, but it was called with mode={mode!r}, "
            f"X={X} of shape {tuple(X.shape)} and pool_size={pool_size}: mode must be one of the two supported modes, "
            f"'max' (the largest value of each window) or 'avg' (the mean of each window)"
        )
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + p_h, j:j + p_w]
            Y[i, j] = window.max() if mode == 'max' else window.mean()
    print(Y)
    return Y


print(corr2d(torch.ones(3, 3), torch.ones(2, 2)))
