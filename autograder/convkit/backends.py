"""How a sandbox's zygote is started: inside bubblewrap when it is installed, else as a plain process.

Either way each worker drops to a uid of its own when the grader runs as root, and the protocol keeps grades
honest. Bubblewrap adds what the protocol cannot: no network, a read-only system, a private /tmp, and a view
of the files that holds the Python installation and the worker's own code, but no hidden suite and no reference.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import convkit

from .sandbox.confine import python_trees

SANDBOX_ROOT = "/opt/convkit"
BOOT = "import sys; sys.path.insert(0, sys.argv.pop(1)); from convkit.sandbox.zygote import main; main()"
WORKER_UID_BASE = 2_000_000
WORKER_UID_COUNT = 4096
UID_LOCK_DIR = "/run/convkit-worker-uids"
PACKAGE = Path(convkit.__file__).resolve().parent
NOT_ISOLATED = "-"
"""Told to a zygote that bubblewrap already isolates, in place of the plain backend's list of hidden paths."""


class BackendError(Exception):
    """The chosen sandbox cannot run here; the message says how to fix it."""


@dataclass(frozen=True)
class Backend:
    name: str

    def command(self, control_fd: int, uid: int | None, limits: str) -> list[str]:
        python = [sys.executable, "-I", "-c", BOOT]
        tail = [str(control_fd), "-" if uid is None else str(uid), limits]
        if self.name == "plain":
            hidden = os.pathsep.join(hidden_paths()) if uid is not None else ""
            return [*python, str(PACKAGE.parent), *tail, hidden]
        return [*bwrap_arguments(), "--", *python, SANDBOX_ROOT, *tail, NOT_ISOLATED]

    def describe(self) -> str:
        who = "each worker drops to its own unprivileged uid" if os.geteuid() == 0 else "workers keep your uid"
        if self.name == "bwrap":
            return f"bwrap: bubblewrap sandbox (no network, read-only system, private /tmp); {who}"
        seen = "the network, and of the files only the system and Python (own mount namespace)" if os.geteuid() == 0 else "the file system and network"
        return f"plain: no bubblewrap, so workers see {seen}; {who}; grades stay protected by the protocol"


class WorkerUid:
    """A worker uid held by this grading run alone while it is open.

    Reaping a worker kills every process of its uid, and workers of one uid may signal one another, so two
    grading runs on one host (two `convkit grade`, pytest-xdist, a test beside a real run) must never share a
    uid. Each claims a free one with an exclusive lock, which the kernel drops if the run dies.
    """

    def __init__(self) -> None:
        self.value: int | None = None
        self._lock: int | None = None
        if os.geteuid() != 0:
            return
        directory = _lock_directory()
        for uid in range(WORKER_UID_BASE, WORKER_UID_BASE + WORKER_UID_COUNT):
            fd = os.open(os.path.join(directory, f"{uid}.lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.value, self._lock = uid, fd
            return
        raise BackendError(f"all {WORKER_UID_COUNT} worker uids are in use by other grading runs")

    def release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = self.value = None


def _lock_directory() -> str:
    """A root-only directory (never one a worker could have planted in a shared /tmp)."""
    for directory in (UID_LOCK_DIR, os.path.join(tempfile.gettempdir(), "convkit-worker-uids-0")):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            pass
        except OSError:
            continue
        info = os.lstat(directory)
        if stat.S_ISDIR(info.st_mode) and info.st_uid == 0 and not info.st_mode & 0o077:
            return directory
    raise BackendError(f"cannot make a private lock directory for worker uids ({UID_LOCK_DIR})")


def hidden_paths() -> list[str]:
    """What a plain worker must not see: the grader's package (hidden suites, oracle), and the project and the
    working directory it was started from (the reference solutions), unless they hold the Python installation."""
    needed = [*python_trees(), tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev", "/proc", os.path.dirname(sys.executable)]
    candidates = [PACKAGE]
    project = PACKAGE.parents[1]
    if (project / "pyproject.toml").is_file():
        candidates.append(project)
    candidates.append(Path.cwd().resolve())
    hidden: list[str] = []
    for path in candidates:
        text = str(path)
        if text == os.sep or not path.is_dir() or any(Path(os.path.realpath(need)).is_relative_to(path) for need in needed):
            continue
        if text not in hidden:
            hidden.append(text)
    return hidden


def choose(name: str = "auto") -> Backend:
    if name not in ("auto", "bwrap", "plain"):
        raise BackendError(f"unknown backend {name!r}: choose auto, bwrap or plain")
    if name == "plain":
        return Backend("plain")
    if shutil.which("bwrap") is None:
        if name == "bwrap":
            raise BackendError("bubblewrap is not installed: apt-get install -y bubblewrap, or use --backend plain")
        return Backend("plain")
    return Backend("bwrap")


def bwrap_arguments() -> list[str]:
    arguments = [
        "bwrap", "--die-with-parent", "--new-session",
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
        "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp", "--perms", "1777", "--tmpfs", "/var/tmp",
    ]  # fmt: skip
    if os.geteuid() != 0:
        arguments.insert(1, "--unshare-user")
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            arguments += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            arguments += ["--ro-bind", top, top]
    made: set[Path] = set()
    for tree in python_trees():
        # bwrap makes missing parents 0700 as root; the worker's uid must traverse them (e.g. /root/.pyenv).
        for parent in reversed(Path(tree).parents):
            if parent != Path("/") and parent not in made and not parent.is_relative_to("/usr"):
                arguments += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        arguments += ["--ro-bind", tree, tree]
    for tree in python_trees():
        if PACKAGE.is_relative_to(tree):  # a non-editable install would expose the hidden suites
            arguments += ["--tmpfs", str(PACKAGE)]
    target = f"{SANDBOX_ROOT}/convkit"
    arguments += [
        "--ro-bind", str(PACKAGE / "__init__.py"), f"{target}/__init__.py",
        "--ro-bind", str(PACKAGE / "sandbox"), f"{target}/sandbox",
    ]  # fmt: skip
    # The oracle is a complete solution: the judge sends a worker only the parts it substitutes, as source.
    arguments += ["--ro-bind", "/dev/null", f"{target}/sandbox/oracle.py"]
    if (PACKAGE / "sandbox" / "__pycache__").is_dir():
        arguments += ["--tmpfs", f"{target}/sandbox/__pycache__"]
    arguments += ["--chdir", "/tmp"]
    return arguments


def probe(backend: Backend) -> str | None:
    """Why the backend cannot start here, or None when it can."""
    if backend.name == "plain":
        return None
    try:
        done = subprocess.run([*bwrap_arguments(), "--", sys.executable, "-I", "-c", "import torch"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return None if done.returncode == 0 else done.stderr.decode(errors="replace").strip().splitlines()[-1:][0]
