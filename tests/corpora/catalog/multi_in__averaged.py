# corr2d_multi_in: averages the channels instead of summing them
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_multi_in(X, K):
    return sum(corr2d(x, k) for x, k in zip(X, K)) / len(X)
