# corr2d_multi_in_out_1x1: reshapes K as (c_i, c_o) and transposes it, which scrambles the weights instead of K.reshape(c_o, c_i)
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    W_mat = K.reshape(c_i, c_o).T
    return (W_mat @ X.reshape(c_i, h * w)).reshape(c_o, h, w)
