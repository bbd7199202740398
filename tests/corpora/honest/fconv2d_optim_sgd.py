# Honest: torch's own operators where the exercise allows them (F.conv2d, F.max_pool2d/F.avg_pool2d),
# learn_kernel with torch.optim.SGD on an nn.Parameter, padding done with F.pad and strided loops.
import torch
import torch.nn.functional as F
from torch import nn, optim


def corr2d(X, K):
    dtype = torch.promote_types(torch.promote_types(X.dtype, K.dtype), torch.float32)
    return F.conv2d(X.to(dtype)[None, None], K.to(dtype)[None, None])[0, 0]


class Conv2D(nn.Module):
    def __init__(self, kernel_size):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(kernel_size))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return corr2d(x, self.weight) + self.bias


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    kernel = nn.Parameter(torch.rand(kernel_size))
    optimizer = optim.SGD([kernel], lr=lr)
    loss_fn = nn.MSELoss(reduction='sum')
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(corr2d(X, kernel), Y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return kernel.detach(), losses


def conv_output_shape(input_size, kernel_size, padding=0, stride=1):
    args = [a if isinstance(a, tuple) else (a, a) for a in (input_size, kernel_size, padding, stride)]
    return tuple(int((n + 2 * p - k) // s + 1) for n, k, p, s in zip(*args))


def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = padding if isinstance(padding, tuple) else (padding, padding)
    s_h, s_w = stride if isinstance(stride, tuple) else (stride, stride)
    Xp = F.pad(X, (p_w, p_w, p_h, p_h))
    h, w = K.shape
    rows = range(0, Xp.shape[0] - h + 1, s_h)
    cols = range(0, Xp.shape[1] - w + 1, s_w)
    return torch.stack([torch.stack([(Xp[r:r + h, c:c + w] * K).sum() for c in cols]) for r in rows])


def corr2d_multi_in(X, K):
    return F.conv2d(X[None], K[None])[0, 0]


def corr2d_multi_in_out(X, K):
    return F.conv2d(X.unsqueeze(0), K).squeeze(0)


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    return torch.mm(K.view(c_o, c_i), X.reshape(c_i, h * w)).view(c_o, h, w)


def pool2d(X, pool_size, mode='max'):
    pools = {'max': F.max_pool2d, 'avg': F.avg_pool2d}
    if mode not in pools:
        raise ValueError(f"mode must be one of {sorted(pools)} ('max' or 'avg'), got {mode!r}")
    return pools[mode](X[None, None], kernel_size=pool_size, stride=1)[0, 0]
