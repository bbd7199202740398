# corr2d: the einsum subscripts pair window[a, b] with K[b, a], so the kernel is transposed (non-square kernels crash)
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d(X, K):
    h, w = K.shape
    patches = X.unfold(0, h, 1).unfold(1, w, 1)  # (H - h + 1, W - w + 1, h, w)
    return torch.einsum('ijab,ba->ij', patches.float(), K.float())
