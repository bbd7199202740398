# corr2d_multi_in: vectorises with F.conv2d(X.unsqueeze(1), K.unsqueeze(1)), which correlates every channel of X with every channel of K, then sums all c_i * c_i maps; wrong whenever c_i > 1
# base: solutions/convolutions.py (this file redefines what differs)
import torch
import torch.nn.functional as F


def corr2d_multi_in(X, K):
    # treat each channel as its own image: (c_i, 1, H, W) with kernels (c_i, 1, h, w)
    out = F.conv2d(X.unsqueeze(1), K.unsqueeze(1))  # (c_i, c_i, H-h+1, W-w+1)
    return out.sum(dim=(0, 1))
