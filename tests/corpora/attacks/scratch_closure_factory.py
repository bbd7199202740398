"""Not from scratch: corr2d is made by a factory, a closure over F.conv2d, so no `def corr2d`
calls the library. The static parse follows the factory; the worker's record sees aten.conv2d.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)
import torch.nn.functional as F


def _make_corr2d():
    conv = F.conv2d

    def corr2d(X, K):
        dtype = torch.promote_types(X.dtype, K.dtype)
        dtype = torch.promote_types(torch.get_default_dtype(), dtype)
        return conv(X.to(dtype)[None, None], K.to(dtype)[None, None])[0, 0]

    return corr2d


corr2d = _make_corr2d()
