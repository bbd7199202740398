# corr2d_multi_in: the return is indented inside the loop, so only the first channel counts
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_multi_in(X, K):
    Y = 0
    for x, k in zip(X, K):
        Y = Y + corr2d(x, k)
        return Y
