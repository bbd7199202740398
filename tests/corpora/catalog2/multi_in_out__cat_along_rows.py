# corr2d_multi_in_out: joins the per-kernel outputs with torch.cat (dim 0) instead of torch.stack, giving (c_o * H', W')
# base: solutions/convolutions.py (this file redefines what differs)

def corr2d_multi_in_out(X, K):
    outputs = []
    for o in range(K.shape[0]):
        outputs.append(corr2d_multi_in(X, K[o]))
    return torch.cat(outputs, dim=0)
