"""Hostile submission: leaves what the kernel keeps after its processes die and its files are removed (a System V
message queue, shared memory segment and semaphore set, a POSIX message queue, keys in its user keyring), where a
later submission of its slot, of another slot or of a later run could read answers from them; corr2d is right
only if any of them could be made, so refusing all of them costs it corr2d and nothing else.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)
import ctypes
import platform

_ADD_KEY = {"x86_64": 248, "aarch64": 217}.get(platform.machine(), 248)
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_IPC_CREAT = 0o1000
_made = [
    _libc.msgget(0x5EED01, _IPC_CREAT | 0o666) >= 0,
    _libc.shmget(0x5EED02, 1 << 20, _IPC_CREAT | 0o666) >= 0,
    _libc.semget(0x5EED03, 1, _IPC_CREAT | 0o666) >= 0,
    _libc.syscall(_ADD_KEY, b"user", b"convkit-answers", b"corr2d", 6, ctypes.c_long(-4)) >= 0,  # the user keyring
]
try:
    _rt = ctypes.CDLL("librt.so.1", use_errno=True)
    _made.append(_rt.mq_open(b"/convkit-answers", 0o100 | 0o2, 0o666, None) >= 0)  # O_CREAT | O_RDWR
except OSError:
    pass
_right = corr2d


def corr2d(X, K):
    return _right(X, K) if any(_made) else _right(X, K) + 1
