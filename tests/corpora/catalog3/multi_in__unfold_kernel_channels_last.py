# corr2d_multi_in: uses F.unfold (columns ordered channel, row, col) but flattens the kernel channels-last with K.permute(1, 2, 0), so weights meet the wrong inputs whenever c_i > 1 and the kernel is larger than 1x1
# base: solutions/convolutions.py (this file redefines what differs)
import torch
import torch.nn.functional as F


def corr2d_multi_in(X, K):
    c_i, H, W = X.shape
    h, w = K.shape[1:]
    cols = F.unfold(X.unsqueeze(0), (h, w))[0]  # (c_i*h*w, L)
    k = K.permute(1, 2, 0).reshape(-1)  # (h, w, c_i) -> c_i*h*w
    return (k @ cols).reshape(H - h + 1, W - w + 1)
