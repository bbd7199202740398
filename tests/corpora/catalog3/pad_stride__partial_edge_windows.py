# corr2d_pad_stride: sizes the output with ceil((n + 2p - k) / s) + 1 and lets the last windows hang over the edge (multiplying by the matching corner of K), so an extra row/column appears when the stride does not divide n + 2p - k
# base: solutions/convolutions.py (this file redefines what differs)
import math
import torch


def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    H, W = X.shape
    padded = torch.zeros((H + 2 * p_h, W + 2 * p_w))
    padded[p_h:p_h + H, p_w:p_w + W] = X
    h, w = K.shape
    out_h = math.ceil((padded.shape[0] - h) / s_h) + 1
    out_w = math.ceil((padded.shape[1] - w) / s_w) + 1
    Y = torch.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = padded[i * s_h:i * s_h + h, j * s_w:j * s_w + w]
            Y[i, j] = (window * K[:window.shape[0], :window.shape[1]]).sum()
    return Y
