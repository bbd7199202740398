# corr2d_multi_in_out: typo uses K[0] for every output channel
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)

def corr2d_multi_in_out(X, K):
    return torch.stack([corr2d_multi_in(X, K[0]) for o in range(K.shape[0])], dim=0)
