# corr2d_multi_in_out_1x1: multiplies X^T K^T, then reshapes the (h*w, c_o) result as if it were (c_o, h*w)
# base: tests/corpora/honest/catalog_base_unfold.py (this file redefines what differs)

def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    Y = X.reshape(c_i, h * w).T @ K.reshape(c_o, c_i).T
    return Y.reshape(c_o, h, w)
