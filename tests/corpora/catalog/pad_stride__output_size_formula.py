# corr2d_pad_stride: sized the output as (n + 2p - k + 1) // s
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = _pair(padding)
    s_h, s_w = _pair(stride)
    H, W = X.shape
    padded = torch.zeros((H + 2 * p_h, W + 2 * p_w))
    padded[p_h:p_h + H, p_w:p_w + W] = X
    h, w = K.shape
    Y = torch.zeros(((padded.shape[0] - h + 1) // s_h, (padded.shape[1] - w + 1) // s_w))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (padded[i * s_h:i * s_h + h, j * s_w:j * s_w + w] * K).sum()
    return Y
