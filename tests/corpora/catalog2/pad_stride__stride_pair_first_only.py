# corr2d_pad_stride: a pair stride is reduced to stride[0], so the height stride is used for the width too
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = _pair(padding)
    s = stride if isinstance(stride, int) else stride[0]
    padded = torch.zeros((X.shape[0] + 2 * p_h, X.shape[1] + 2 * p_w))
    padded[p_h:p_h + X.shape[0], p_w:p_w + X.shape[1]] = X
    h, w = K.shape
    Y = torch.zeros(((padded.shape[0] - h) // s + 1, (padded.shape[1] - w) // s + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (padded[i * s:i * s + h, j * s:j * s + w] * K).sum()
    return Y
