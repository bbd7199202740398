"""Confining a freshly forked worker: its own session, limits, an unprivileged uid, nothing of the grader."""

from __future__ import annotations

import ctypes
import os
import resource
import sys
from dataclasses import dataclass

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38

_libc = ctypes.CDLL(None, use_errno=True)


def prctl(option: int, value: int) -> None:
    if _libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


@dataclass(frozen=True)
class Limits:
    """Sent by the judge when the zygote starts; see `convkit.config.GradingConfig` for what each means."""

    memory_bytes: int
    cpu_seconds: int
    output_bytes: int
    processes: int
    open_files: int = 256


def virtual_memory_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def confine(limits: Limits, uid: int | None, keep_fd: int, output_path: str) -> None:
    """Run in the worker right after fork, before any student code; irreversible by design."""
    os.setsid()
    prctl(PR_SET_PDEATHSIG, 9)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    output = os.open(output_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    if uid is not None:
        os.fchown(output, uid, uid)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, 65536)
    # Address space is counted from what the warm parent already maps (torch alone needs about 768 MB).
    address_space = virtual_memory_bytes() + limits.memory_bytes
    for name, value in (
        (resource.RLIMIT_AS, address_space),
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_FSIZE, limits.output_bytes),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(name, (value, value))
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        # Counted per uid, so only meaningful once the worker has a uid of its own.
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    prctl(PR_SET_DUMPABLE, 0)
    forget_grader()


def forget_grader() -> None:
    """Drop the grader's modules and paths so `import convkit` (or the reference beside it) fails."""
    for name in [name for name in sys.modules if name == "convkit" or name.startswith(("convkit.", "solutions"))]:
        del sys.modules[name]
    sys.path[:] = [path for path in sys.path if path and _is_library(path)]
    for key in list(os.environ):
        if key not in ("PATH", "LANG", "LC_ALL", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "MPLBACKEND"):
            del os.environ[key]
    os.environ["HOME"] = os.getcwd()


def _is_library(path: str) -> bool:
    return path.startswith((sys.base_prefix, sys.prefix)) or "-packages" in path
