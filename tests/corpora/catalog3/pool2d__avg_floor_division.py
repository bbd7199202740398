# pool2d: computes the average as window.sum() // (p_h * p_w) with floor division, so average pooling rounds down unless every window mean is an integer
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError("mode must be 'max' or 'avg'")
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + p_h, j:j + p_w]
            if mode == 'max':
                Y[i, j] = window.max()
            else:
                Y[i, j] = window.sum() // (p_h * p_w)
    return Y
