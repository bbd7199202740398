# corr2d_multi_in: the einsum output keeps the channel index ('...->cij'), so per-channel maps are returned unsummed
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_multi_in(X, K):
    h, w = K.shape[1:]
    patches = X.unfold(1, h, 1).unfold(2, w, 1)  # (c_i, H - h + 1, W - w + 1, h, w)
    return torch.einsum('cijab,cab->cij', patches, K)
