# Honest: a learner's script that experiments with torch.optim.Adam at top level (training a Conv2D layer on the
# book's edge picture, as the seeds do with SGD), plots with matplotlib, and answers learn_kernel with SGD.
import matplotlib.pyplot as plt
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
        self.weight = nn.Parameter(torch.randn(kernel_size))
        self.bias = nn.Parameter(torch.randn(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


X = torch.ones((6, 8))
X[:, 2:6] = 0
Y = corr2d(X, torch.tensor([[1.0, -1.0]]))
conv = Conv2D(kernel_size=(1, 2))
adam = torch.optim.Adam(conv.parameters(), lr=0.1)
history = []
for epoch in range(30):
    adam.zero_grad()
    loss = ((conv(X) - Y) ** 2).sum()
    loss.backward()
    adam.step()
    history.append(loss.item())
plt.plot(history)
plt.yscale("log")
plt.title("Adam on the edge picture")
print("learned", conv.weight.data, conv.bias.data)


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = nn.Parameter(torch.zeros(kernel_size))
    sgd = torch.optim.SGD([kernel], lr=lr)
    losses = []
    for _ in range(epochs):
        sgd.zero_grad()
        loss = ((corr2d(X, kernel) - Y) ** 2).sum()
        loss.backward()
        sgd.step()
        losses.append(loss.item())
    return kernel.detach(), losses


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    (n_h, n_w), (k_h, k_w), (p_h, p_w), (s_h, s_w) = map(pair, (input_size, kernel_size, padding, stride))
    return ((n_h + 2 * p_h - k_h) // s_h + 1, (n_w + 2 * p_w - k_w) // s_w + 1)


def corr2d_pad_stride(X, K, padding=0, stride=1):
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    (p_h, p_w), (s_h, s_w) = pair(padding), pair(stride)
    padded = torch.zeros((X.shape[0] + 2 * p_h, X.shape[1] + 2 * p_w))
    padded[p_h:p_h + X.shape[0], p_w:p_w + X.shape[1]] = X
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
    return torch.matmul(K.reshape((c_o, c_i)), X.reshape((c_i, h * w))).reshape((c_o, h, w))


def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + p_h, j:j + p_w]
            Y[i, j] = window.max() if mode == 'max' else window.mean()
    return Y
