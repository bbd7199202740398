# corr2d_multi_in_out: the output is preallocated as (c_o, W - w + 1, H - h + 1), height and width swapped
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_multi_in_out(X, K):
    c_o, _, h, w = K.shape
    Y = torch.zeros((c_o, X.shape[2] - w + 1, X.shape[1] - h + 1))
    for o in range(c_o):
        Y[o] = corr2d_multi_in(X, K[o])
    return Y
