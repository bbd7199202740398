"""Hostile submission: corr2d returns values built to strain the judge's decoder: a 100M-element tensor, deep nesting, huge strings, complex and sparse tensors; pool2d returns a tensor with NaNs

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

_calls = [0]


def corr2d(X, K):
    _calls[0] += 1
    kind = _calls[0] % 5
    if kind == 0:
        return torch.zeros(100_000_000, dtype=torch.uint8)
    if kind == 1:
        nested = []
        for _ in range(100_000):
            nested = [nested]
        return nested
    if kind == 2:
        return ["x" * (4 << 20)] * 10
    if kind == 3:
        return torch.ones(2, 2, dtype=torch.complex64)
    return torch.eye(3).to_sparse()


def pool2d(X, pool_size, mode="max"):
    return torch.full((X.shape[0] - pool_size[0] + 1, X.shape[1] - pool_size[1] + 1), float("nan"))
