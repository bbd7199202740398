# pool2d: takes the output as a slice of X (Y = X[:H - p_h + 1, :W - p_w + 1]) "to get the right shape", so results are written into the caller's X and the returned tensor is a view of it
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError("mode must be 'max' or 'avg'")
    p_h, p_w = pool_size
    Y = X[:X.shape[0] - p_h + 1, :X.shape[1] - p_w + 1]
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + p_h, j:j + p_w]
            Y[i, j] = window.max() if mode == 'max' else window.mean()
    return Y
