"""Not from scratch: corr2d_pad_stride is an instance whose __call__ runs
torch.nn.functional.conv2d, kept on the instance. The static parse follows the class; the worker's
record sees aten.conv2d.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)


class _Correlate:
    def __init__(self):
        self.op = torch.nn.functional.conv2d

    def __call__(self, X, K, padding=0, stride=1):
        dtype = torch.promote_types(X.dtype, K.dtype)
        dtype = torch.promote_types(torch.get_default_dtype(), dtype)
        X, K = X.to(dtype)[None, None], K.to(dtype)[None, None]
        return self.op(X, K, padding=_pair(padding), stride=_pair(stride))[0, 0]


corr2d_pad_stride = _Correlate()
