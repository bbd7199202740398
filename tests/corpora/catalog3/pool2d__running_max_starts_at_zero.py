# pool2d: finds the window maximum with a hand-written loop whose running maximum starts at 0, so windows whose values are all negative give 0 instead of their maximum
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError("mode must be 'max' or 'avg'")
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            if mode == 'max':
                m = 0
                for a in range(p_h):
                    for b in range(p_w):
                        if X[i + a, j + b] > m:
                            m = X[i + a, j + b]
                Y[i, j] = m
            else:
                Y[i, j] = X[i:i + p_h, j:j + p_w].mean()
    return Y
