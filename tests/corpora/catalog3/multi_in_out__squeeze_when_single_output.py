# corr2d_multi_in_out: stacks the output channels and then calls .squeeze(), which drops the channel axis when c_o == 1 (and any output side of length 1)
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def corr2d_multi_in_out(X, K):
    Y = torch.stack([corr2d_multi_in(X, k) for k in K], 0)
    return Y.squeeze()
