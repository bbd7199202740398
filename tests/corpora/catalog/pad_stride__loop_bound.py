# corr2d_pad_stride: sizes the output as padded size // stride, which is one too many or too few
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = _pair(padding)
    s_h, s_w = _pair(stride)
    H, W = X.shape
    padded = torch.zeros((H + 2 * p_h, W + 2 * p_w))
    padded[p_h:p_h + H, p_w:p_w + W] = X
    h, w = K.shape
    rows, cols = padded.shape[0] // s_h, padded.shape[1] // s_w
    Y = torch.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            window = padded[i * s_h:i * s_h + h, j * s_w:j * s_w + w]
            if window.shape == K.shape:
                Y[i, j] = (window * K).sum()
    return Y
