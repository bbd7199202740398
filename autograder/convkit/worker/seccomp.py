"""System-call filters a worker installs on itself (seccomp, classic BPF), after no_new_privs, for
good.

Every sandbox refuses the calls that make kernel objects outliving the processes a reap kills
(System V IPC, POSIX message queues, keyrings). A sandbox without namespaces (landlock) also refuses
what namespaces take away elsewhere: sockets other than local ones, ptrace and other processes'
memory, mounts and new namespaces, BPF, performance counters and io_uring (which could open sockets
without the socket call).
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import socket
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _ctypes import CFuncPtr  # ctypes._CFuncPtr, which ctypes' stub does not export

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000
LD_W_ABS, JEQ_K, JGE_K, JSET_K, RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
NR_OFFSET, ARCH_OFFSET, ARG0_OFFSET = 0, 4, 16
"""Of struct seccomp_data, which the program reads (the first argument's low half, on little-endian
machines)."""
X32_SYSCALL_BIT = 0x40000000
CLONE_NEW = 0x7E020080
"""Every CLONE_NEW* flag (mount, cgroup, UTS, IPC, user, pid, network and time namespaces)."""


@dataclass(frozen=True)
class Machine:
    """One machine's audit architecture and system-call numbers."""

    arch: int
    kernel_objects: tuple[int, ...]
    """System V IPC, POSIX message queues and keyrings. Their objects outlive the process that made
    them and are not files, so a reap that kills a uid's processes and removes its files leaves
    them: a later submission of the slot, of another slot (plain backend: the host's IPC namespace)
    or of a later run (keyrings are not namespaced at all) could read answers from them, and shared
    memory escapes the memory budget. No exercise needs them (Docker's default profile refuses
    keyrings for the same reason)."""
    container: tuple[int, ...]
    """ptrace, process_vm_readv/writev, kcmp, pidfd_getfd, mount, umount2, pivot_root, the new mount
    API, unshare, setns, bpf, perf_event_open, userfaultfd, open_by_handle_at and io_uring's three
    calls."""
    socket: int
    clone: int
    clone3: int


MACHINES = {
    "x86_64": Machine(
        0xC000003E,
        (
            29,
            30,
            31,
            64,
            65,
            66,
            67,
            68,
            69,
            70,
            71,
            220,
            240,
            241,
            242,
            243,
            244,
            245,
            248,
            249,
            250,
        ),
        (
            101,
            310,
            311,
            312,
            438,
            165,
            166,
            155,
            *range(428, 434),
            442,
            272,
            308,
            321,
            298,
            323,
            304,
            425,
            426,
            427,
        ),
        41,
        56,
        435,
    ),
    "aarch64": Machine(
        0xC00000B7,
        (*range(180, 198), 217, 218, 219),
        (
            117,
            270,
            271,
            272,
            438,
            40,
            39,
            41,
            *range(428, 434),
            442,
            97,
            268,
            280,
            241,
            282,
            265,
            425,
            426,
            427,
        ),
        198,
        220,
        435,
    ),
}

_libc = ctypes.CDLL(None, use_errno=True)


def program(machine: str | None = None, container: bool = False) -> bytes | None:
    """A seccomp program refusing (EPERM) the machine's kernel-object calls, every call of another
    ABI (x32, i386) and, with `container`, its container calls, `socket` of any family but AF_UNIX
    and `clone` with a namespace flag; `clone3` then fails with ENOSYS, so that the C library falls
    back to `clone`, whose flags a filter can read. None on a machine it does not know."""
    numbers = MACHINES.get(machine or platform.machine())
    if (
        numbers is None or struct.calcsize("P") != 8
    ):  # a 32-bit Python on a 64-bit kernel makes another ABI's calls
        return None
    code: list[tuple[int, int | str, int | str, int]] = []
    labels: dict[str, int] = {}

    def emit(op: int, k: int, true: int | str = 0, false: int | str = 0) -> None:
        code.append((op, true, false, k))

    refused = numbers.kernel_objects + (numbers.container if container else ())
    emit(LD_W_ABS, ARCH_OFFSET)
    emit(JEQ_K, numbers.arch, 0, "refuse")
    emit(LD_W_ABS, NR_OFFSET)
    emit(JGE_K, X32_SYSCALL_BIT, "refuse")
    for number in refused:
        emit(JEQ_K, number, "refuse")
    if container:
        emit(JEQ_K, numbers.socket, "socket")
        emit(JEQ_K, numbers.clone, "clone")
        emit(JEQ_K, numbers.clone3, "no such call")
    emit(RET_K, SECCOMP_RET_ALLOW)
    if container:
        labels["socket"] = len(code)
        emit(LD_W_ABS, ARG0_OFFSET)
        emit(JEQ_K, socket.AF_UNIX, "allow", "refuse")
        labels["clone"] = len(code)
        emit(LD_W_ABS, ARG0_OFFSET)
        emit(JSET_K, CLONE_NEW, "refuse", "allow")
        labels["no such call"] = len(code)
        emit(RET_K, SECCOMP_RET_ERRNO | errno.ENOSYS)
        labels["allow"] = len(code)
        emit(RET_K, SECCOMP_RET_ALLOW)
    labels["refuse"] = len(code)
    emit(RET_K, SECCOMP_RET_ERRNO | errno.EPERM)

    def offset(index: int, target: int | str) -> int:
        return target if isinstance(target, int) else labels[target] - index - 1

    return b"".join(
        struct.pack("HBBI", op, offset(i, t), offset(i, f), k)
        for i, (op, t, f, k) in enumerate(code)
    )


def install(filters: bytes) -> None:
    """Install `filters` (`program`) on this process and all it forks, for good; needs
    no_new_privs."""
    buffer = ctypes.create_string_buffer(filters)

    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = Fprog(len(filters) // 8, ctypes.addressof(buffer))
    if _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP) failed")


def refused_here(filters: bytes | None, container: bool = False) -> str | None:
    """Why a worker could still make what `filters` should refuse here, or None: they are installed
    in a child, which then looks a message queue up (never makes one) and, with `container`, asks
    for an internet socket; both must be refused."""
    if filters is None:
        return f"no system-call filter for this machine ({platform.machine()})"
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0:
                install(filters)
                code = 0 if _refused(_libc.msgget, 0x7FFFFFFF, 0) else 2
                if code == 0 and container:
                    code = 0 if _refused(_libc.socket, socket.AF_INET, socket.SOCK_STREAM, 0) else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code == 0:
        return None
    if code in (2, 3):
        return f"the filter let {'a message queue' if code == 2 else 'an internet socket'} through"
    return (
        "the kernel refused the system-call filter"
        if code == 1
        else f"checking the system-call filter ended with signal {-code}"
    )


def _refused(call: CFuncPtr, *args: int) -> bool:
    return bool(call(*args) == -1 and ctypes.get_errno() == errno.EPERM)
