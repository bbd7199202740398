# pool2d: the window is unfolded as (p_h, p_h); p_w is never used
# base: solutions/convolutions.py (this file redefines what differs)

def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"mode must be 'max' or 'avg', got {mode!r}")
    p_h, p_w = pool_size
    windows = X.unfold(0, p_h, 1).unfold(1, p_h, 1)
    if mode == 'max':
        return windows.amax(dim=(-2, -1))
    return windows.mean(dim=(-2, -1))
