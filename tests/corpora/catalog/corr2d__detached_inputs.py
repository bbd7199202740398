# corr2d: called .detach() on the inputs 'to be safe', which stops gradients reaching X and K
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)

def corr2d(X, K):
    if not X.is_floating_point():
        X = X.float()
    if not K.is_floating_point():
        K = K.float()
    X, K = X.detach(), K.detach()
    h, w = K.shape
    patches = X.unfold(0, h, 1).unfold(1, w, 1)  # (H-h+1, W-w+1, h, w)
    return (patches * K).sum(dim=(-2, -1))
