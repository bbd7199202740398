# corr2d_multi_in_out_1x1: loops over output and input channels but writes Y[o] = K[o, c] * X[c] instead of +=, so only the last input channel contributes; wrong whenever c_i > 1
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    Y = torch.zeros((c_o, h, w))
    for o in range(c_o):
        for c in range(c_i):
            Y[o] = K[o, c, 0, 0] * X[c]
    return Y
