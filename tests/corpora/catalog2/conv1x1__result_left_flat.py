# corr2d_multi_in_out_1x1: the matmul result is returned as (c_o, h * w), never reshaped back to (c_o, h, w)
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape((c_i, h * w))
    K = K.reshape((c_o, c_i))
    return torch.matmul(K, X)
