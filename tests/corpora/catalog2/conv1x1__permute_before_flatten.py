# corr2d_multi_in_out_1x1: X is permuted to (h, w, c_i) before reshape(c_i, h * w), so the flattened rows mix channels and pixels
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.permute(1, 2, 0).reshape(c_i, h * w)
    K = K.reshape(c_o, c_i)
    Y = torch.mm(K, X)
    return Y.reshape(c_o, h, w)
