# Honest: the learners' own notebook style (seeds 000/001/003): Y[i][j] loops, randn init, the book's
# nn.Conv2d(bias=False) training loop with weight.data[:] -= lr * grad, and demo prints between definitions.
import torch
import torch.nn as nn


def corr2d(X, K):
    # K是卷积核 filter
    H, W = X.shape
    h, w = K.shape
    Y = torch.zeros(H - h + 1, W - w + 1)
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            # 对应位置相乘，与矩阵乘法区别，称：互相关运算
            Y[i][j] = (X[i: i + h, j: j + w] * K).sum()
    return Y


X = torch.tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
K = torch.tensor([[0, 1], [2, 3]])
print(corr2d(X, K))


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super(Conv2D, self).__init__()
        self.weight = nn.Parameter(torch.randn(kernel_size))
        self.bias = nn.Parameter(torch.randn(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


conv = Conv2D(kernel_size=(1, 2))

X = torch.ones(6, 8)
X[:, 2:6] = 0
K = torch.tensor([[1, -1]])
Y = corr2d(X, K)
print(Y)


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    conv2d = nn.Conv2d(1, 1, kernel_size=kernel_size, bias=False)
    X = X.reshape((1, 1) + tuple(X.shape))
    Y = Y.reshape((1, 1) + tuple(Y.shape))
    losses = []
    for i in range(epochs):
        Y_hat = conv2d(X)
        l = (Y_hat - Y) ** 2
        conv2d.zero_grad()
        l.sum().backward()
        conv2d.weight.data[:] -= lr * conv2d.weight.grad
        losses.append(l.sum().item())
        if (i + 1) % 2 == 0:
            print(f'epoch {i + 1}, loss {l.sum():.3f}')
    return conv2d.weight.data.reshape(kernel_size), losses


kernel, losses = learn_kernel(X, Y)
print(kernel)


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    def two(v):
        return (v, v) if type(v) == int else v
    return tuple((n - k + 2 * p + s) // s for n, k, p, s in
                 zip(two(input_size), two(kernel_size), two(padding), two(stride)))


print(conv_output_shape(8, 3, padding=1, stride=2))


def corr2d_pad_stride(X, K, padding=0, stride=1):
    if isinstance(padding, int):
        padding = (padding, padding)
    if isinstance(stride, int):
        stride = (stride, stride)
    p_h, p_w = padding
    s_h, s_w = stride
    Xp = torch.zeros(X.shape[0] + 2 * p_h, X.shape[1] + 2 * p_w)
    Xp[p_h:Xp.shape[0] - p_h, p_w:Xp.shape[1] - p_w] = X
    h, w = K.shape
    out_h = (Xp.shape[0] - h) // s_h + 1
    out_w = (Xp.shape[1] - w) // s_w + 1
    Y = torch.zeros(out_h, out_w)
    for i in range(out_h):
        for j in range(out_w):
            Y[i][j] = (Xp[i * s_h: i * s_h + h, j * s_w: j * s_w + w] * K).sum()
    return Y


def corr2d_multi_in(X, K):
    return sum(corr2d(x, k) for x, k in zip(X, K))


def corr2d_multi_in_out(X, K):
    # 在第0维给它堆叠起来
    return torch.stack([corr2d_multi_in(X, k) for k in K], 0)


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape       # 输入通道数，高，宽
    c_o = K.shape[0]          # 输出通道数
    X = X.reshape((c_i, h * w))
    K = K.reshape((c_o, c_i))
    Y = torch.matmul(K, X)            # 结果是 (c_o, h * w)
    return Y.reshape((c_o, h, w))


X = torch.normal(0, 1, (3, 3, 3))
K = torch.normal(0, 1, (2, 3, 1, 1))
Y1 = corr2d_multi_in_out_1x1(X, K)
Y2 = corr2d_multi_in_out(X, K)
assert float(torch.abs(Y1 - Y2).sum()) < 1e-5


def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == 'max':
                Y[i, j] = X[i: i + p_h, j: j + p_w].max()
            elif mode == 'avg':
                Y[i, j] = X[i: i + p_h, j: j + p_w].mean()
            else:
                raise ValueError("mode must be 'max' or 'avg'")
    return Y


x = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
print(pool2d(x, (2, 2)))
print(pool2d(x, (2, 2), 'avg'))
