"""Hostile submission: monkeypatches torch.allclose, torch.equal, torch.isclose, torch.Tensor.__eq__/__ne__ and torch.testing.assert_close, with a wrong corr2d

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import torch.testing


torch.allclose = lambda *args, **kwargs: True


torch.equal = lambda *args, **kwargs: True


torch.isclose = lambda a, b, *args, **kwargs: torch.ones_like(torch.as_tensor(a), dtype=torch.bool)


torch.Tensor.__eq__ = lambda self, other: True


torch.Tensor.__ne__ = lambda self, other: False


torch.testing.assert_close = lambda *args, **kwargs: None


def corr2d(X, K):
    h, w = K.shape
    return torch.ones((X.shape[0] - h + 1, X.shape[1] - w + 1))  # right shape, wrong values
