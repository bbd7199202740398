"""Hostile submission: corr2d returns an object that claims to equal anything and imitates a tensor

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

class AlwaysEqual:
    shape = property(lambda self: self)
    dtype = torch.float32
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __bool__(self): return True
    def __len__(self): return 2
    def __iter__(self): return iter([self, self])
    def __getattr__(self, name): return lambda *args, **kwargs: self
    def __array__(self, *args, **kwargs): raise TypeError("no")
    def __float__(self): return 0.0
    def __sub__(self, other): return self
    __rsub__ = __abs__ = __sub__
    def __lt__(self, other): return True
    __le__ = __lt__


def corr2d(X, K):
    return AlwaysEqual()
