# pool2d: the column loop is range(W - p_w) instead of range(W - p_w + 1), so the last output column stays zero
# base: solutions/convolutions.py (this file redefines what differs)

def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    p_h, p_w = pool_size
    H, W = X.shape
    Y = torch.zeros((H - p_h + 1, W - p_w + 1))
    for i in range(H - p_h + 1):
        for j in range(W - p_w):
            window = X[i:i + p_h, j:j + p_w]
            if mode == 'max':
                Y[i, j] = window.max()
            else:
                Y[i, j] = window.mean()
    return Y
