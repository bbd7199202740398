"""Not from scratch: pool2d calls torch's operators directly, getattr(torch.ops.aten, mode +
"_pool2d"), a name no parse can read; the worker's record sees aten.max_pool2d and aten.avg_pool2d.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)


def pool2d(X, pool_size, mode='max'):
    if mode not in ('max', 'avg'):
        raise ValueError(f"mode must be 'max' or 'avg', not {mode!r}")
    X = X if X.is_floating_point() else X.to(torch.get_default_dtype())
    routine = getattr(torch.ops.aten, mode + "_pool2d")
    return routine(X[None, None], list(pool_size), [1, 1])[0, 0]
