# corr2d_pad_stride: takes the strided cross-correlation first, then pads its output with zeros
# base: solutions/convolutions.py (this file redefines what differs)

import torch.nn.functional as F


def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = _pair(padding)
    s_h, s_w = _pair(stride)
    Y = corr2d(X, K)[::s_h, ::s_w]
    return F.pad(Y, (p_w, p_w, p_h, p_h))
