"""Hostile submission: corr2d returns a torch.Tensor subclass (wrong values) whose __torch_function__ and __eq__ claim equality

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

class Liar(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        name = getattr(func, "__name__", "")
        if name in ("allclose", "equal", "__eq__", "eq", "isclose"):
            return True
        if name in ("sub", "__sub__", "abs", "max"):
            return torch.zeros(())
        return super().__torch_function__(func, types, args, kwargs or {})
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    @property
    def __class__(self): return torch.Tensor


def corr2d(X, K):
    h, w = K.shape
    return torch.ones((X.shape[0] - h + 1, X.shape[1] - w + 1)).as_subclass(Liar)
