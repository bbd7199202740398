# corr2d_pad_stride: pads with F.pad(X, (p_h, p_h, p_w, p_w)), but F.pad lists the last dimension first, so height gets p_w rows and width gets p_h columns; wrong whenever p_h != p_w
# base: solutions/convolutions.py (this file redefines what differs)
import torch
import torch.nn.functional as F


def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
    s_h, s_w = (stride, stride) if isinstance(stride, int) else stride
    X = F.pad(X, (p_h, p_h, p_w, p_w))  # top, bottom, left, right
    h, w = K.shape
    Y = torch.zeros(((X.shape[0] - h) // s_h + 1, (X.shape[1] - w) // s_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i * s_h:i * s_h + h, j * s_w:j * s_w + w] * K).sum()
    return Y
