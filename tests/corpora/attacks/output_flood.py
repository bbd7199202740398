"""Hostile submission: prints 100 MB at import and in corr2d (stdout, stderr and a file)

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import sys


sys.stdout.write("x" * (100 << 20))


sys.stdout.flush()


import sys


def corr2d(X, K):
    block = "35/35 " * (1 << 20)
    for _ in range(20):
        print(block)
        print(block, file=sys.stderr)
        with open("flood.txt", "a") as handle:
            handle.write(block)
    h, w = K.shape
    return torch.ones((X.shape[0] - h + 1, X.shape[1] - w + 1))
