# corr2d_pad_stride: pads p rows/columns in total, all on the top and left
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = _pair(padding)
    s_h, s_w = _pair(stride)
    H, W = X.shape
    padded = torch.zeros((H + p_h, W + p_w))
    padded[p_h:, p_w:] = X
    h, w = K.shape
    Y = torch.zeros(((padded.shape[0] - h) // s_h + 1, (padded.shape[1] - w) // s_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (padded[i * s_h:i * s_h + h, j * s_w:j * s_w + w] * K).sum()
    return Y
