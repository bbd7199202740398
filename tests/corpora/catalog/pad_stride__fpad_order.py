# corr2d_pad_stride: F.pad takes the LAST dimension first, but I passed (top, bottom, left, right)
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)

def corr2d_pad_stride(X, K, padding=0, stride=1):
    p_h, p_w = as_pair(padding)
    s_h, s_w = as_pair(stride)
    X = F.pad(X, (p_h, p_h, p_w, p_w))
    h, w = K.shape
    patches = X.unfold(0, h, s_h).unfold(1, w, s_w)
    return (patches * K).sum(dim=(-2, -1))
