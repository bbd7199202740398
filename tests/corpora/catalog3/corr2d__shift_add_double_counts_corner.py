# corr2d: vectorised shift-and-add that starts from X[:oh, :ow] * K[0, 0] and then loops over all kernel offsets including (0, 0), counting the top-left kernel entry twice
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def corr2d(X, K):
    h, w = K.shape
    oh, ow = X.shape[0] - h + 1, X.shape[1] - w + 1
    Y = X[:oh, :ow] * K[0, 0]
    for a in range(h):
        for b in range(w):
            Y = Y + X[a:a + oh, b:b + ow] * K[a, b]
    return Y.float()
