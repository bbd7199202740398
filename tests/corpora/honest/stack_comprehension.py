# Honest: list comprehensions stacked with torch.stack, a zeros-initialised Conv2D, learn_kernel on an
# nn.Parameter with nn.MSELoss(reduction='sum') and a manual update, pooling through F.max_pool2d/F.avg_pool2d.
import torch
from torch import nn
from torch.nn import functional as F


def corr2d(X, K):
    h, w = K.shape
    rows = [
        torch.stack([(X[i:i + h, j:j + w] * K).sum() for j in range(X.shape[1] - w + 1)])
        for i in range(X.shape[0] - h + 1)
    ]
    Y = torch.stack(rows)
    return Y if Y.is_floating_point() else Y.float()


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(*kernel_size))
        self.bias = nn.Parameter(torch.tensor([0.0]))

    def forward(self, x):
        out = corr2d(x, self.weight)
        return out + self.bias


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = nn.Parameter(torch.rand(kernel_size) * 2 - 1)
    criterion = nn.MSELoss(reduction='sum')
    losses = []
    for _ in range(epochs):
        loss = criterion(corr2d(X, kernel), Y)
        loss.backward()
        kernel.data -= lr * kernel.grad
        kernel.grad = None
        losses.append(float(loss.detach()))
    return kernel.data.clone(), losses


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    def pairify(x):
        return [x, x] if isinstance(x, int) else list(x)

    n, k, p, s = (pairify(a) for a in (input_size, kernel_size, padding, stride))
    return tuple((n[d] - k[d] + 2 * p[d]) // s[d] + 1 for d in range(2))


def corr2d_pad_stride(X, K, padding=0, stride=1):
    if isinstance(padding, int):
        padding = (padding, padding)
    if isinstance(stride, int):
        stride = (stride, stride)
    X = torch.cat([torch.zeros(padding[0], X.shape[1]), X, torch.zeros(padding[0], X.shape[1])], dim=0)
    X = torch.cat([torch.zeros(X.shape[0], padding[1]), X, torch.zeros(X.shape[0], padding[1])], dim=1)
    h, w = K.shape
    return torch.stack([
        torch.stack([(X[i:i + h, j:j + w] * K).sum() for j in range(0, X.shape[1] - w + 1, stride[1])])
        for i in range(0, X.shape[0] - h + 1, stride[0])
    ])


def corr2d_multi_in(X, K):
    return torch.stack([corr2d(X[c], K[c]) for c in range(len(X))]).sum(0)


def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d_multi_in(X, K[o]) for o in range(len(K))])


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    Y = K.reshape(c_o, c_i).matmul(X.reshape(c_i, h * w))
    return Y.reshape(c_o, h, w)


def pool2d(X, pool_size, mode='max'):
    if mode == 'max':
        pooled = F.max_pool2d(X.unsqueeze(0).unsqueeze(0), pool_size, stride=1)
    elif mode == 'avg':
        pooled = F.avg_pool2d(X.unsqueeze(0).unsqueeze(0), pool_size, stride=1)
    else:
        raise ValueError('mode should be "max" or "avg"')
    return pooled.squeeze(0).squeeze(0)
