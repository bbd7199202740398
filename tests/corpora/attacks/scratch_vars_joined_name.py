"""Not from scratch: corr2d_multi_in takes F.conv2d from vars(F) under a name joined at run
time, which no parse can read; the worker's record sees aten.conv2d.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)
import torch.nn.functional as F


def corr2d_multi_in(X, K):
    dtype = torch.promote_types(torch.promote_types(torch.get_default_dtype(), X.dtype), K.dtype)
    routine = vars(F)["".join(["con", "v2d"])]
    return routine(X.to(dtype)[None], K.to(dtype)[None])[0, 0]
