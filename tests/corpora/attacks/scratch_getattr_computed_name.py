"""Not from scratch: corr2d calls F.conv2d through getattr with a name computed at run time,
which no parse can read; the worker's record sees aten.conv2d.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)
import torch.nn.functional as F


def corr2d(X, K):
    dtype = torch.promote_types(torch.promote_types(torch.get_default_dtype(), X.dtype), K.dtype)
    routine = getattr(F, "conv" + "2d")
    return routine(X.to(dtype)[None, None], K.to(dtype)[None, None])[0, 0]
