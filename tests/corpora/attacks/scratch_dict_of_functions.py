"""Not from scratch: pool2d looks its routine up in a dict of torch's own (F.max_pool2d,
F.avg_pool2d). The static parse follows the dict; the worker's record sees aten.max_pool2d and
aten.avg_pool2d.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)
import torch.nn.functional as F

_POOLS = {"max": F.max_pool2d, "avg": F.avg_pool2d}


def pool2d(X, pool_size, mode='max'):
    if mode not in _POOLS:
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    X = X if X.is_floating_point() else X.to(torch.get_default_dtype())
    return _POOLS[mode](X[None, None], kernel_size=tuple(pool_size), stride=1)[0, 0]
