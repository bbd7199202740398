# corr2d_multi_in_out_1x1: drops the 1x1 axes with in-place K.squeeze_(-1).squeeze_(-1), so the caller's kernel tensor is changed to shape (c_o, c_i) (the result itself is right)
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    K.squeeze_(-1).squeeze_(-1)  # (c_o, c_i, 1, 1) -> (c_o, c_i)
    Y = torch.matmul(K, X.reshape((c_i, h * w)))
    return Y.reshape((c_o, h, w))
