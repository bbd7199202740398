# pool2d: unpacks pool_size as (width, height), so a non-square window such as (1, 3) pools over 3 rows and 1 column, with the output shape swapped accordingly
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError("mode must be 'max' or 'avg'")
    p_w, p_h = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + p_h, j:j + p_w]
            if mode == 'max':
                Y[i, j] = window.max()
            else:
                Y[i, j] = window.mean()
    return Y
