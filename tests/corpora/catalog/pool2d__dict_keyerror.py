# pool2d: looks the mode up in a dict, so an unknown mode raises KeyError
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)

def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    windows = X.unfold(0, p_h, 1).unfold(1, p_w, 1)
    reduce = {'max': torch.amax, 'avg': torch.mean}[mode]
    return reduce(windows, dim=(-2, -1))
