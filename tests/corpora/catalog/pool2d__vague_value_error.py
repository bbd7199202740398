# pool2d: raises ValueError, but the message does not say which modes are valid
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)

def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    windows = X.unfold(0, p_h, 1).unfold(1, p_w, 1)
    if mode == 'max':
        return windows.amax(dim=(-2, -1))
    if mode == 'avg':
        return windows.mean(dim=(-2, -1))
    raise ValueError(f'unknown pooling mode {mode}')
