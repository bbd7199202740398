# corr2d: assumes a square kernel (h = w = K.shape[0]), so non-square kernels give a wrong output shape and wrongly broadcast windows (or raise)
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def corr2d(X, K):
    h = w = K.shape[0]  # kernel is k x k
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
