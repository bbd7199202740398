"""Hostile submission: corr2d ignores SIGXCPU and spins in C code (a huge matmul loop), learn_kernel sleeps forever; others correct

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import signal
import time


def corr2d(X, K):
    signal.signal(signal.SIGXCPU, signal.SIG_IGN)
    a = torch.ones(512, 512)
    while True:
        a = (a @ a).clamp(0, 1)


def learn_kernel(X, Y, kernel_size=(1, 2), lr=3e-2, epochs=10):
    time.sleep(10 ** 6)
