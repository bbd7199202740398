"""How a sandbox's zygote is started: inside bubblewrap when it is installed, else as a plain process.

Either way each worker drops to a uid of its own when the grader runs as root, and the protocol keeps grades
honest. Bubblewrap adds what the protocol cannot: no network, a read-only system, a private /tmp, and a view
of the files that holds the Python installation and the worker's own code, but no hidden suite and no reference.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import convkit

SANDBOX_ROOT = "/opt/convkit"
BOOT = "import sys; sys.path.insert(0, sys.argv.pop(1)); from convkit.sandbox.zygote import main; main()"
WORKER_UID_BASE = 2_000_000
PACKAGE = Path(convkit.__file__).resolve().parent


class BackendError(Exception):
    """The chosen sandbox cannot run here; the message says how to fix it."""


@dataclass(frozen=True)
class Backend:
    name: str

    def command(self, control_fd: int, uid: int | None, limits: str) -> list[str]:
        python = [sys.executable, "-I", "-c", BOOT]
        tail = [str(control_fd), "-" if uid is None else str(uid), limits]
        if self.name == "plain":
            return [*python, str(PACKAGE.parent), *tail]
        return [*bwrap_arguments(), "--", *python, SANDBOX_ROOT, *tail]

    def describe(self) -> str:
        who = "each worker drops to its own unprivileged uid" if os.geteuid() == 0 else "workers keep your uid"
        if self.name == "bwrap":
            return f"bwrap: bubblewrap sandbox (no network, read-only system, private /tmp); {who}"
        return f"plain: no bubblewrap, so workers see the file system and network; {who}; grades stay protected by the protocol"


def worker_uid(slot: int) -> int | None:
    return WORKER_UID_BASE + slot if os.geteuid() == 0 else None


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
        "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/var/tmp",
    ]  # fmt: skip
    if os.geteuid() != 0:
        arguments.insert(1, "--unshare-user")
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            arguments += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            arguments += ["--ro-bind", top, top]
    for tree in sorted(python_trees()):
        arguments += ["--ro-bind", tree, tree]
    for tree in python_trees():
        if PACKAGE.is_relative_to(tree):  # a non-editable install would expose the hidden suites
            arguments += ["--tmpfs", str(PACKAGE)]
    target = f"{SANDBOX_ROOT}/convkit"
    arguments += [
        "--ro-bind", str(PACKAGE / "__init__.py"), f"{target}/__init__.py",
        "--ro-bind", str(PACKAGE / "sandbox"), f"{target}/sandbox",
        "--chdir", "/tmp",
    ]  # fmt: skip
    return arguments


def python_trees() -> set[str]:
    """The installation the worker imports from: the prefixes and any site directory outside them."""
    roots = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}
    for path in sys.path:
        real = os.path.realpath(path)
        if path and "-packages" in real and os.path.isdir(real) and not any(real.startswith(r + os.sep) for r in roots):
            roots.add(real)
    return roots


def probe(backend: Backend) -> str | None:
    """Why the backend cannot start here, or None when it can."""
    if backend.name == "plain":
        return None
    try:
        done = subprocess.run([*bwrap_arguments(), "--", sys.executable, "-I", "-c", "import torch"], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return None if done.returncode == 0 else done.stderr.decode(errors="replace").strip().splitlines()[-1:][0]
