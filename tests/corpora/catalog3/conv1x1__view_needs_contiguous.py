# corr2d_multi_in_out_1x1: flattens with X.view((c_i, h * w)) instead of reshape, which raises a RuntimeError when X is non-contiguous in a way view cannot merge (e.g. X built with .transpose(1, 2))
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.view((c_i, h * w))
    K = K.view((c_o, c_i))
    Y = torch.mm(K, X)
    return Y.view((c_o, h, w))
