# corr2d_multi_in_out: X.unsqueeze_(0) adds F.conv2d's batch axis in place, changing the caller's X
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)

def corr2d_multi_in_out(X, K):
    X.unsqueeze_(0)  # F.conv2d wants a batch axis
    return F.conv2d(X, K)[0]
