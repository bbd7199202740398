# corr2d_pad_stride: copies X into padded[p_h:-p_h, p_w:-p_w], which is an empty slice (crash) when a padding is 0
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = _pair(padding)
    s_h, s_w = _pair(stride)
    H, W = X.shape
    padded = torch.zeros((H + 2 * p_h, W + 2 * p_w))
    padded[p_h:-p_h, p_w:-p_w] = X
    h, w = K.shape
    Y = torch.zeros(((padded.shape[0] - h) // s_h + 1, (padded.shape[1] - w) // s_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (padded[i * s_h:i * s_h + h, j * s_w:j * s_w + w] * K).sum()
    return Y
