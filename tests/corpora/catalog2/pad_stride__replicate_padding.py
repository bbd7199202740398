# corr2d_pad_stride: pads with F.pad(mode='replicate'), copying edge values instead of adding zeros
# base: solutions/convolutions.py (this file redefines what differs)

import torch.nn.functional as F


def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = _pair(padding)
    s_h, s_w = _pair(stride)
    padded = F.pad(X[None, None], (p_w, p_w, p_h, p_h), mode='replicate')[0, 0]
    h, w = K.shape
    windows = padded.unfold(0, h, s_h).unfold(1, w, s_w)
    return (windows * K).sum(dim=(-2, -1))
