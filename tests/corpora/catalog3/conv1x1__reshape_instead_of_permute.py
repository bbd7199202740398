# corr2d_multi_in_out_1x1: wants X as (pixels, channels) and writes X.reshape(h * w, c_i) instead of permuting, so pixel and channel values are mixed up whenever c_i > 1 and H*W > 1
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape((h * w, c_i))  # one row per pixel
    K = K.reshape((c_o, c_i))
    Y = torch.matmul(X, K.T)  # (h*w, c_o)
    return Y.T.reshape((c_o, h, w))
