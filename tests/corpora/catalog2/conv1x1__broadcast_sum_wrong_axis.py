# corr2d_multi_in_out_1x1: the broadcast product (c_o, c_i, h, w) is summed over dim 0 (outputs) instead of dim 1 (inputs)
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_multi_in_out_1x1(X, K):
    weights = K[:, :, 0, 0]  # (c_o, c_i)
    return (weights[:, :, None, None] * X[None]).sum(dim=0)
