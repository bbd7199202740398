# corr2d_multi_in_out: preallocates and loops over X.shape[0] (c_i) output channels instead of K.shape[0] (c_o); when c_o > c_i the extra output channels are silently dropped, when c_o < c_i it raises IndexError
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def corr2d_multi_in_out(X, K):
    c, H, W = X.shape
    h, w = K.shape[2:]
    Y = torch.zeros((c, H - h + 1, W - w + 1))
    for o in range(c):
        Y[o] = corr2d_multi_in(X, K[o])
    return Y
