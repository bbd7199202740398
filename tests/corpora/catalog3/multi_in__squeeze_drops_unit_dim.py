# corr2d_multi_in: stacks the per-channel results, sums over channels and calls .squeeze() "to drop the channel dim", which also drops an output height or width of 1 (when H == h or W == w)
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def corr2d_multi_in(X, K):
    outs = torch.stack([corr2d(X[c], K[c]) for c in range(X.shape[0])])
    return outs.sum(dim=0, keepdim=True).squeeze()
