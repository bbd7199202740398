# corr2d_multi_in: the channel loop is range(1, c_i - 1), so the last input channel is never added
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_multi_in(X, K):
    Y = corr2d(X[0], K[0])
    for c in range(1, X.shape[0] - 1):
        Y = Y + corr2d(X[c], K[c])
    return Y
