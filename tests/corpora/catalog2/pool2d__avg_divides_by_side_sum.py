# pool2d: average pooling divides the window sum by p_h + p_w instead of p_h * p_w (only right for 2x2 windows)
# base: solutions/convolutions.py (this file redefines what differs)

def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + p_h, j:j + p_w]
            Y[i, j] = window.max() if mode == 'max' else window.sum() / (p_h + p_w)
    return Y
