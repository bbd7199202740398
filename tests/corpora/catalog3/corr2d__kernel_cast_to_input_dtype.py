# corr2d: casts the kernel to X's dtype "to avoid a dtype mismatch" (K = K.to(X.dtype)), so an integer X truncates a float kernel to integers
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def corr2d(X, K):
    K = K.to(X.dtype)  # make sure X and K have the same type
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
