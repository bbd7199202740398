# corr2d_multi_in_out: torch.cat instead of torch.stack glues the channels into one tall image
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)

def corr2d_multi_in_out(X, K):
    return torch.cat([corr2d_multi_in(X, K[o]) for o in range(K.shape[0])], dim=0)
