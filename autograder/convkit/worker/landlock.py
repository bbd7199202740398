"""Landlock: the kernel's unprivileged access control, for a worker that can have no namespace of
its own.

Inside a container with Docker's default confinement (Gradescope, PrairieLearn, Kubernetes) neither
bubblewrap nor a mount namespace can start, but a process may still restrict itself for good once it
has set no_new_privs. A worker then reads only the system, the Python installation and the worker's
own files, writes only its private scratch folder, connects and binds no TCP port, and (from ABI 6)
signals and reaches through abstract sockets no process outside its own domain. Written with ctypes:
three system calls, no dependency.
"""

from __future__ import annotations

import ctypes
import errno
import os
import stat
import struct
from dataclasses import dataclass
from pathlib import Path

CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446
"""The system calls' numbers, the same on x86-64 and ARM64 (both use the generic table from 444
on)."""
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH, RULE_NET_PORT = 1, 2

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR, MAKE_REG = 1 << 4, 1 << 5, 1 << 6, 1 << 7, 1 << 8
MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
"""File system rights; REFER came with ABI 2, TRUNCATE with 3, IOCTL_DEV with 5."""
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
"""Network rights, from ABI 4."""
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1
"""Scopes, from ABI 6: what a domain may not reach outside itself."""

FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV
"""The only rights a rule on a file (not a directory) may carry."""
READ = EXECUTE | READ_FILE | READ_DIR
DEVICE = READ_FILE | WRITE_FILE | TRUNCATE
"""/dev/null and its kind: opened for writing with O_TRUNC too (TRUNCATE), never an ioctl."""
SCRATCH = (1 << 16) - 1 & ~(MAKE_CHAR | MAKE_BLOCK | IOCTL_DEV)
"""Everything in the scratch folder but making device nodes."""

DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
SYSTEM = (
    "/usr",
    "/etc",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/sys/devices/system/cpu",
)
"""Read beneath, as bubblewrap binds them read-only (the CPU topology for libraries that count
cores)."""
PROC = ("/proc/self", "/proc/cpuinfo", "/proc/meminfo", "/proc/stat")
"""Of /proc, only the worker's own entry (/proc/self, resolved when the worker opens it, so its own
pid) and what libraries read of the machine: never another process's command line, which may hold a
seed."""

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def abi() -> int:
    """The kernel's Landlock ABI version; 0 where there is none (an older kernel, Landlock not
    enabled at boot, or a seccomp profile that refuses its calls)."""
    version = _libc.syscall(
        CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION)
    )
    return max(int(version), 0)


def handled_files(version: int) -> int:
    """Every file system right `version` knows: each is refused unless a rule grants it."""
    rights = (1 << 13) - 1
    for since, right in ((2, REFER), (3, TRUNCATE), (5, IOCTL_DEV)):
        if version >= since:
            rights |= right
    return rights


@dataclass(frozen=True)
class Plan:
    """What a worker may reach, by path: the judge's allow-list (`read`, read beneath and executed;
    `listed`, only listed beneath; `devices`, read and written) and the worker's `scratch` folder,
    where it may do anything but make devices."""

    read: tuple[str, ...]
    listed: tuple[str, ...]
    devices: tuple[str, ...]
    scratch: str

    def rules(self) -> list[tuple[str, int]]:
        return [
            *((path, READ) for path in self.read),
            *((path, READ_DIR) for path in self.listed),
            *((path, DEVICE) for path in self.devices),
            (self.scratch, SCRATCH),
        ]


def beneath_except(tree: str, hidden: list[str], listed: list[str]) -> list[str]:
    """What to grant to read `tree` but no path of `hidden`: the tree itself, or, where it holds one
    of them, its other entries (recursively), each folder on the way added to `listed`. A rule
    grants its rights to all beneath its path and nothing below can take them back; the folders on
    the way must still be listed for Python to import from them (its finders list a folder once), so
    the names under a hidden path can be listed, never read."""
    inside = [path for path in hidden if Path(path).is_relative_to(tree)]
    if not inside:
        return [tree]
    if any(Path(path) == Path(tree) for path in inside) or not os.path.isdir(tree):
        return []
    listed.append(tree)
    kept: list[str] = []
    for name in sorted(os.listdir(tree)):
        kept += beneath_except(os.path.join(tree, name), inside, listed)
    return kept


def scopes(version: int) -> int:
    return SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if version >= 6 else 0


def ruleset(plan: Plan, version: int) -> int:
    """A ruleset's descriptor holding `plan`, for `restrict` (a path that is not there is skipped:
    nothing to reach). Made before the worker drops its uid, so that the paths open whatever their
    ancestors' modes; what the worker can really reach is checked with its own uid
    (`convkit.worker.zygote`)."""
    handled = handled_files(version)
    fields = (
        [handled]
        + ([NET_BIND_TCP | NET_CONNECT_TCP] if version >= 4 else [])
        + ([scopes(version)] if version >= 6 else [])
    )
    attributes = struct.pack(f"{len(fields)}Q", *fields)
    fd = int(
        _libc.syscall(
            CREATE_RULESET, attributes, ctypes.c_size_t(len(attributes)), ctypes.c_uint32(0)
        )
    )
    if fd < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    try:
        for path, rights in plan.rules():
            _add_path(fd, path, rights & handled)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _add_path(ruleset_fd: int, path: str, rights: int) -> None:
    try:
        target = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not stat.S_ISDIR(os.fstat(target).st_mode):
            rights &= FILE_RIGHTS
        rule = struct.pack("=Qi", rights, target)  # struct landlock_path_beneath_attr, packed
        if _libc.syscall(ADD_RULE, ruleset_fd, RULE_PATH_BENEATH, rule, ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule for {path} failed")
    finally:
        os.close(target)


def restrict(ruleset_fd: int) -> None:
    """Confine this process and all it will start by the ruleset, for good; needs no_new_privs."""
    try:
        if _libc.syscall(RESTRICT_SELF, ruleset_fd, ctypes.c_uint32(0)) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset_fd)


def missing(version: int) -> str:
    """What this ABI cannot confine, in words ('' from ABI 6): said beside the isolation a sandbox
    reports."""
    if version >= 6:
        return ""
    lacks = ["signals and abstract sockets are not scoped (ABI 6)"]
    if version < 4:
        lacks.append("no TCP rules (ABI 4), the system-call filter refuses network sockets alone")
    return "; ".join(lacks)


def available() -> str | None:
    """Why Landlock cannot confine workers here, or None."""
    version = abi()
    if version:
        return None
    why = errno.errorcode.get(ctypes.get_errno(), "unknown error")
    return {
        "ENOSYS": "the kernel has no Landlock (Linux 5.13 or newer, built with it), or a seccomp "
        "profile refuses its calls",
        "EOPNOTSUPP": "Landlock is built in but not enabled at boot (add landlock to the "
        "kernel's lsm= list)",
        "EPERM": "a seccomp profile refuses Landlock's system calls",
    }.get(why, f"Landlock's version check failed ({why})")
