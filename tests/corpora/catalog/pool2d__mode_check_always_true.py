# pool2d: the mode check uses `or`, so its own ValueError subclass refuses every mode, valid ones too
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)


class PoolingModeError(ValueError):
    pass


def pool2d(X, pool_size, mode='max'):
    if mode != 'max' or mode != 'avg':
        raise PoolingModeError(f"mode must be 'max' or 'avg', got {mode!r}")
    p_h, p_w = pool_size
    windows = X.unfold(0, p_h, 1).unfold(1, p_w, 1)
    return windows.amax(dim=(-2, -1)) if mode == 'max' else windows.mean(dim=(-2, -1))
