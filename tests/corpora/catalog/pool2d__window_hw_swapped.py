# pool2d: unpacks the pool size as (width, height)
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)

def pool2d(X, pool_size, mode='max'):
    p_w, p_h = pool_size
    windows = X.unfold(0, p_h, 1).unfold(1, p_w, 1)
    if mode == 'max':
        return windows.amax(dim=(-2, -1))
    if mode == 'avg':
        return windows.mean(dim=(-2, -1))
    raise ValueError("mode should be 'max' or 'avg'")
