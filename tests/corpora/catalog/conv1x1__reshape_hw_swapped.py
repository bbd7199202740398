# corr2d_multi_in_out_1x1: reshapes the result back to (c_o, w, h)
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape((c_i, h * w))
    K = K.reshape((c_o, c_i))
    Y = torch.matmul(K, X)
    return Y.reshape((c_o, w, h))
