# corr2d_multi_in: nested loops pair every channel with every kernel slice
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)

def corr2d_multi_in(X, K):
    return torch.stack([corr2d(x, k) for x in X for k in K]).sum(dim=0)
