# corr2d_multi_in_out: returns the Python list of per-kernel outputs instead of stacking them into one tensor
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_multi_in_out(X, K):
    return [corr2d_multi_in(X, k) for k in K]
