# corr2d_pad_stride: implements stride by subsampling the padded input (padded[::s_h, ::s_w]) and then running corr2d, instead of moving the window s steps; wrong values and shapes whenever a stride is > 1
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    padded = torch.zeros((X.shape[0] + 2 * p_h, X.shape[1] + 2 * p_w))
    padded[p_h:p_h + X.shape[0], p_w:p_w + X.shape[1]] = X
    # stride: only keep every s-th row and column
    return corr2d(padded[::s_h, ::s_w], K)
