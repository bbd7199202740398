# corr2d_multi_in_out: reads the kernel as (c_i, c_o, h, w) and takes output o's kernel as K[:, o] instead of K[o], mixing input and output channel axes
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d_multi_in(X, K[:, o]) for o in range(K.shape[1])], 0)
