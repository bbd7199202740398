# corr2d_pad_stride: zeros are added only at the top and left (padded is (H + p_h, W + p_w)), not on every side
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = _pair(padding)
    s_h, s_w = _pair(stride)
    H, W = X.shape
    padded = torch.zeros((H + p_h, W + p_w))
    padded[p_h:, p_w:] = X
    h, w = K.shape
    out_h = (padded.shape[0] - h) // s_h + 1
    out_w = (padded.shape[1] - w) // s_w + 1
    Y = torch.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            Y[i, j] = (padded[i * s_h:i * s_h + h, j * s_w:j * s_w + w] * K).sum()
    return Y
