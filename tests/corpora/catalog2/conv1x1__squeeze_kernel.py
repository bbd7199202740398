# corr2d_multi_in_out_1x1: K.squeeze() also drops the channel axis when c_i == 1, so single-input-channel cases crash
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_multi_in_out_1x1(X, K):
    c_i, h, w = X.shape
    c_o = K.shape[0]
    Y = torch.matmul(K.squeeze(), X.reshape(c_i, h * w))
    return Y.reshape(c_o, h, w)
