# corr2d_multi_in_out_1x1: reshaped K to (c_i, c_o) and transposed it, which scrambles the weights
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    X = X.reshape((c_i, h * w))
    K = K.reshape((c_i, c_o))
    Y = torch.matmul(K.T, X)
    return Y.reshape((c_o, h, w))
