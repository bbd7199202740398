"""Not from scratch: corr2d_multi_in_out calls torch.convolution, a name the instructor did not
list (convkit.toml forbids conv2d and Conv2d), but the operator F.conv2d runs; the worker's record
sees aten.convolution.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)


def corr2d_multi_in_out(X, K):
    dtype = torch.promote_types(torch.promote_types(torch.get_default_dtype(), X.dtype), K.dtype)
    X, K = X.to(dtype)[None], K.to(dtype)
    return torch.convolution(X, K, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)[0]
