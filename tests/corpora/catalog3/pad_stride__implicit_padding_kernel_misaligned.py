# corr2d_pad_stride: avoids building a padded tensor by clipping windows at the border of X, but always pairs a clipped window with the top-left part of K, so windows cut at the top/left edge use the wrong kernel rows/columns
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    H, W = X.shape
    h, w = K.shape
    out_h, out_w = conv_output_shape((H, W), (h, w), (p_h, p_w), (s_h, s_w))
    Y = torch.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            top, left = i * s_h - p_h, j * s_w - p_w  # window corner in X coordinates
            window = X[max(top, 0):top + h, max(left, 0):left + w]
            # padded zeros add nothing, so only the part inside X counts
            Y[i, j] = (window * K[:window.shape[0], :window.shape[1]]).sum()
    return Y
