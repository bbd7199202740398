# corr2d_multi_in_out: sums the output channels together instead of stacking them
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_multi_in_out(X, K):
    return sum(corr2d_multi_in(X, k) for k in K)
