# corr2d_pad_stride: the window's column start is j instead of j * s_w, so the stride is applied only along the height
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_pad_stride(X, K, padding=0, stride=1):
    (p_h, p_w), (s_h, s_w) = _pair(padding), _pair(stride)
    padded = torch.zeros((X.shape[0] + 2 * p_h, X.shape[1] + 2 * p_w))
    padded[p_h:p_h + X.shape[0], p_w:p_w + X.shape[1]] = X
    h, w = K.shape
    Y = torch.zeros(((padded.shape[0] - h) // s_h + 1, (padded.shape[1] - w) // s_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (padded[i * s_h:i * s_h + h, j:j + w] * K).sum()
    return Y
