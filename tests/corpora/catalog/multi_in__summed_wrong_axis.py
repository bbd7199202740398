# corr2d_multi_in: stacked the channels and summed over the wrong axis
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)

def corr2d_multi_in(X, K):
    return torch.stack([corr2d(X[c], K[c]) for c in range(X.shape[0])]).sum(dim=1)
