# corr2d_multi_in: loops over range(K.shape[1]), the kernel height, instead of the number of channels K.shape[0]
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_multi_in(X, K):
    out = 0
    for c in range(K.shape[1]):
        out = out + corr2d(X[c], K[c])
    return out
