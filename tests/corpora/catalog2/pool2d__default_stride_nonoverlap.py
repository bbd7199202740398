# pool2d: uses F.max_pool2d / F.avg_pool2d with the default stride (= window size), so windows do not overlap
# base: solutions/convolutions.py (this file redefines what differs)

import torch.nn.functional as F


def pool2d(X, pool_size, mode='max'):
    if mode == 'max':
        Y = F.max_pool2d(X[None, None], pool_size)
    elif mode == 'avg':
        Y = F.avg_pool2d(X[None, None], pool_size)
    else:
        raise ValueError("mode should be 'max' or 'avg'")
    return Y[0, 0]
