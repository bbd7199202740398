# corr2d_multi_in_out: reuses one accumulator tensor, zeroing it with acc.zero_() for each output channel and appending it; every list entry is the same tensor, so all c_o channels end up equal to the last one
# base: solutions/convolutions.py (this file redefines what differs)
import torch


def corr2d_multi_in_out(X, K):
    h, w = K.shape[2:]
    acc = torch.zeros((X.shape[1] - h + 1, X.shape[2] - w + 1))
    outputs = []
    for k in K:
        acc.zero_()
        for x, k_c in zip(X, k):
            acc += corr2d(x, k_c)
        outputs.append(acc)
    return torch.stack(outputs, 0)
