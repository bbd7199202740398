# pool2d: the output is torch.zeros_like(X), shape (H, W), so it keeps a border of zeros instead of shape (H - p_h + 1, W - p_w + 1)
# base: solutions/convolutions.py (this file redefines what differs)

def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    p_h, p_w = pool_size
    Y = torch.zeros_like(X)
    for i in range(X.shape[0] - p_h + 1):
        for j in range(X.shape[1] - p_w + 1):
            window = X[i:i + p_h, j:j + p_w]
            Y[i, j] = window.max() if mode == 'max' else window.mean()
    return Y
