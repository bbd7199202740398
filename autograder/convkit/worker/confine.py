"""Confining the sandbox: the zygote's view of the files (plain backend), and each freshly forked
worker's session, limits and unprivileged uid. Nothing here knows of the judge."""

from __future__ import annotations

import ctypes
import os
import pwd
import resource
import signal
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import landlock, seccomp
from .protocol import TMP_FILES, WRITABLE, Limits

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
MS_REMOUNT = 32

_libc = ctypes.CDLL(None, use_errno=True)


def prctl(option: int, value: int) -> None:
    if _libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


CLONE_NEWNS = 0x00020000
MNT_DETACH = 2
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = (
    1,
    2,
    4,
    8,
    0x1000,
    0x4000,
    1 << 18,
)


def python_trees() -> list[str]:
    """Where this interpreter imports from (its prefixes and any site directory outside them): a
    worker must be able to read all of it, for the modules torch and matplotlib import lazily."""
    roots = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}
    for path in sys.path:
        real = os.path.realpath(path)
        if (
            path
            and "-packages" in real
            and os.path.isdir(real)
            and not any(_within(real, root) for root in roots)
        ):
            roots.add(real)
    return sorted(roots)


SYSTEM_DIRS = ("usr", "etc", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "proc", "dev", "sys")


WORKER_USER = "convkit-worker"


def identity_files(uid: int) -> dict[str, str]:
    """/etc/passwd and /etc/group with an entry for the worker's uid: torch, getpass and pwd look
    the worker up (getpwuid) and must find it, or an honest submission fails for the grader's
    reasons."""
    entries = {
        "/etc/passwd": f"{WORKER_USER}:x:{uid}:{uid}:convkit worker:/tmp:/usr/sbin/nologin\n",
        "/etc/group": f"{WORKER_USER}:x:{uid}:\n",
    }
    files = {}
    for path, entry in entries.items():
        try:
            lines = Path(path).read_text().splitlines(keepends=True)
        except OSError:
            lines = []
        kept = [
            line if line.endswith("\n") else line + "\n"
            for line in lines
            if not line.startswith(f"{WORKER_USER}:")
        ]
        files[path] = "".join(kept) + entry
    return files


def tmpfs_options(limits: Limits, mode: str | None = "1777") -> bytes:
    """A writable place's bounds: its share of the memory budget, and TMP_FILES files."""
    return (
        f"size={limits.tmp_bytes},nr_inodes={TMP_FILES}{f',mode={mode}' if mode else ''}".encode()
    )


def bound_writable(limits: Limits) -> None:
    """bwrap mounts the writable places with a size but cannot bound their files: remount each with
    both. Needs CAP_SYS_ADMIN over the mount namespace, which bwrap leaves a zygote started by root
    (and never a worker, which drops to its own uid)."""
    for place in WRITABLE:
        if os.path.isdir(place):
            _mount(
                b"none",
                place,
                None,
                MS_REMOUNT | MS_NOSUID | MS_NODEV,
                tmpfs_options(limits, mode=None),
            )


def writable_unbounded(limits: Limits, files: bool = True) -> str | None:
    """The first writable place the kernel does not bound as `limits` say (size, and file count if
    `files`)."""
    for place in WRITABLE:
        if not os.path.isdir(place):
            continue
        found = os.statvfs(place)
        if found.f_blocks * found.f_frsize > limits.tmp_bytes or (
            files and found.f_files > TMP_FILES
        ):
            return place
    return None


def isolate(hidden: list[str], trees: list[str], identity: dict[str, str], limits: Limits) -> None:
    """Give this process (and every worker it forks) a mount namespace that shows the system
    directories and the Python installation, and nothing else of the host: every other top-level
    directory (homes, /work, /srv, other checkouts of the grader, other students' files) is covered
    by an empty tmpfs, /tmp by a fresh private one, and each hidden path (the grader's own files, if
    they sit under a system directory) by an empty one. Files in `identity` (/etc/passwd and
    /etc/group with the worker's entry) are bound over the host's. The system directories and the
    Python installation are read-only there, as bubblewrap binds them.

    Run as root in the plain backend's zygote after its imports; workers cannot undo it (no
    privileges, and mounts inherited into a new user namespace are locked)."""
    _libc.mount.argtypes = [
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_ulong,
        ctypes.c_char_p,
    ]
    if _libc.unshare(CLONE_NEWNS) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS) failed")
    _mount(b"none", "/", None, MS_REC | MS_PRIVATE, None)
    covered = [
        f"/{name}"
        for name in sorted(os.listdir("/"))
        if name not in SYSTEM_DIRS and _is_real_dir(f"/{name}")
    ]
    # The Python installation must stay readable by the worker's uid even where it lies under a
    # covered directory or under one it may not traverse (a Python installed in root's home: /root
    # is 0700).
    blockers = {tree: unsearchable_ancestor(tree) for tree in trees}
    moved = [tree for tree in trees if any(_within(tree, top) for top in covered) or blockers[tree]]
    staging = {tree: _stage(tree) for tree in moved}
    for top in covered:
        options = tmpfs_options(limits) if top in WRITABLE else b"size=64k,mode=0755"
        _mount(b"tmpfs", top, b"tmpfs", MS_NOSUID | MS_NODEV, options)
    for blocker in sorted(
        {b for b in blockers.values() if b and not any(_within(b, top) for top in covered)}
    ):
        _mount(b"tmpfs", blocker, b"tmpfs", MS_NOSUID | MS_NODEV, b"size=64k,mode=0755")
    for path in hidden:
        if os.path.isdir(path) and not any(_within(path, top) for top in covered):
            _mount(
                b"tmpfs",
                path,
                b"tmpfs",
                MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                b"size=4k,mode=0555",
            )
    for tree, stage in staging.items():
        os.makedirs(tree, mode=0o755, exist_ok=True)
        _mount(stage.encode(), tree, None, MS_BIND | MS_REC, None)
        _libc.umount2(stage.encode(), MNT_DETACH)
        os.rmdir(stage)
    if os.path.isdir("/dev/shm"):
        _mount(b"tmpfs", "/dev/shm", b"tmpfs", MS_NOSUID | MS_NODEV, tmpfs_options(limits))
    for target, text in identity.items():
        source = os.path.join("/tmp", ".convkit-" + os.path.basename(target))
        Path(source).write_text(text)
        os.chmod(source, 0o644)
        _mount(os.fsencode(source), target, None, MS_BIND, None)
        os.unlink(source)
    for place in [f"/{name}" for name in SYSTEM_DIRS if name not in ("proc", "dev", "sys")] + moved:
        if _is_real_dir(place):
            _read_only(place)


def _read_only(path: str) -> None:
    """Bind `path` onto itself read-only, in this mount namespace only (never the file system, which
    the host keeps writing): a worker then leaves nothing there, not even the access times of the
    files it reads, which a later submission could read back as a message."""
    found = os.statvfs(path).f_flag
    kept = sum(
        flag
        for bit, flag in (
            (os.ST_NOSUID, MS_NOSUID),
            (os.ST_NODEV, MS_NODEV),
            (os.ST_NOEXEC, MS_NOEXEC),
        )
        if found & bit
    )
    _mount(os.fsencode(path), path, None, MS_BIND | MS_REC, None)
    _mount(b"none", path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept, None)


def _stage(tree: str) -> str:
    """Hold on to a tree before its parent is covered, by binding it where nothing gets covered
    (/dev/shm, itself replaced by a private tmpfs once the tree is back in place)."""
    stage = tempfile.mkdtemp(prefix="convkit-python-", dir="/dev/shm")
    _mount(os.fsencode(tree), stage, None, MS_BIND | MS_REC, None)
    return stage


def _is_real_dir(path: str) -> bool:
    return os.path.isdir(path) and not os.path.islink(path)


def _mount(
    source: bytes, target: str, kind: bytes | None, flags: int, options: bytes | None
) -> None:
    if _libc.mount(source, os.fsencode(target), kind, flags, options) != 0:
        raise OSError(ctypes.get_errno(), f"mounting on {target} failed")


def unsearchable_ancestor(path: str) -> str | None:
    """The highest directory above `path` that others may not traverse (no o+x), if any."""
    for ancestor in reversed(Path(path).parents):
        if str(ancestor) != os.sep and not os.stat(ancestor).st_mode & stat.S_IXOTH:
            return str(ancestor)
    return None


def _within(path: str, tree: str) -> bool:
    return Path(path).is_relative_to(tree)


def kill_uid(uid: int) -> None:
    """SIGKILL every process of `uid`: kill(-1) sent as that uid reaches them all (within this pid
    namespace), and nothing else, not even the caller."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def virtual_memory_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


@dataclass(frozen=True)
class Walls:
    """What confines a zygote's workers beyond their limits and uid, as the zygote checked it
    could."""

    filters: bytes | None
    """The system-call filter (`seccomp.program`); None where this machine has none (READY said
    so)."""
    landlock: int = 0
    """The Landlock ABI whose rules confine each worker to what `landlock.Plan` says; 0: none."""
    read: tuple[str, ...] = ()
    listed: tuple[str, ...] = ()
    devices: tuple[str, ...] = ()


def confine(limits: Limits, uid: int | None, keep_fd: int, output_path: str, walls: Walls) -> None:
    """Run in the worker right after fork, before any student code; irreversible by design. The
    worker's scratch folder is the one that holds `output_path`, its working directory."""
    os.setsid()
    parent = os.getppid()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    output = os.open(output_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    if uid is not None:
        os.fchown(output, uid, uid)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.closerange(3, keep_fd)
    os.closerange(keep_fd + 1, 65536)
    # Address space is counted from what the warm parent already maps (torch alone needs about 768
    # MB).
    address_space = virtual_memory_bytes() + limits.address_bytes
    for name, value in (
        ("RLIMIT_AS", address_space),
        ("RLIMIT_CPU", limits.cpu_seconds),
        ("RLIMIT_FSIZE", limits.output_bytes),
        ("RLIMIT_NOFILE", limits.open_files),
        ("RLIMIT_CORE", 0),
    ):
        set_limit(name, value)
    scratch = os.path.dirname(os.path.abspath(output_path))
    rules = (
        landlock.ruleset(
            landlock.Plan(walls.read, walls.listed, walls.devices, scratch), walls.landlock
        )
        if walls.landlock
        else None
    )
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        # counted per uid: only meaningful once the worker has its own
        set_limit("RLIMIT_NPROC", limits.processes)
    # after the uid changes, which clear it; a zygote that died meanwhile is seen below
    prctl(PR_SET_PDEATHSIG, 9)
    if os.getppid() != parent:
        os._exit(1)
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    if rules is not None:
        landlock.restrict(rules)
    if walls.filters is not None:
        seccomp.install(walls.filters)
    prctl(PR_SET_DUMPABLE, 0)
    forget_grader(uid)


def set_limit(name: str, value: int) -> None:
    """Set both values of one resource limit; one this machine refuses (above a hard limit set for
    the user grading, or too large for the kernel) is said by name and value."""
    try:
        resource.setrlimit(getattr(resource, name), (value, value))
    except (ValueError, OSError, OverflowError) as error:
        raise ValueError(f"{name} of {value} is refused here ({error})") from None


def forget_grader(uid: int | None) -> None:
    """Drop the grader's modules and paths so `import convkit` (or the reference beside it) fails,
    and give the worker an identity and private, writable home and caches (the workdir, removed
    afterwards), so libraries that look for them (getpass, matplotlib, torch's compiler caches) work
    as they would for a student."""
    for name in [
        name
        for name in sys.modules
        if name == "convkit" or name.startswith(("convkit.", "solutions"))
    ]:
        del sys.modules[name]
    sys.path[:] = [path for path in sys.path if path and _is_library(path)]
    for key in list(os.environ):
        if key not in (
            "PATH",
            "LANG",
            "LC_ALL",
            "OMP_NUM_THREADS",
            "MKL_NUM_THREADS",
            "MPLBACKEND",
        ):
            del os.environ[key]
    home = os.getcwd()
    cache = os.path.join(home, ".cache")
    os.makedirs(cache, exist_ok=True)
    user = WORKER_USER if uid is not None else _user_name()
    os.environ.update(
        HOME=home, TMPDIR=home, USER=user, LOGNAME=user, XDG_CACHE_HOME=cache,
        MPLCONFIGDIR=os.path.join(cache, "matplotlib"),
        TORCHINDUCTOR_CACHE_DIR=os.path.join(cache, "torchinductor"),
        TRITON_CACHE_DIR=os.path.join(cache, "triton"),
    )  # fmt: skip
    tempfile.tempdir = None


def _user_name() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return WORKER_USER


def _is_library(path: str) -> bool:
    return path.startswith((sys.base_prefix, sys.prefix)) or "-packages" in path
