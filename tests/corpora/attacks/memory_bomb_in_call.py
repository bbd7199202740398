"""Hostile submission: corr2d tries to allocate unbounded memory (a huge tensor, then an ever-growing list)

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

def corr2d(X, K):
    hoard = []
    try:
        hoard.append(torch.empty(1 << 40))
    except BaseException:
        pass
    while True:
        hoard.append(torch.ones(16 << 20))
