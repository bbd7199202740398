"""How a sandbox's zygote is started, and which sandbox `auto` picks: the strongest that starts
here.

Whatever the backend, each worker drops to a uid of its own when the grader runs as root, and the
protocol keeps grades honest. Bubblewrap adds what the protocol cannot: no network, a read-only
system, a private /tmp, and a view of the files that holds the Python installation and the worker's
own code, but no hidden suite and no reference. The plain backend gives a similar view with a mount
namespace of its own (as root). Where a container allows no namespace at all (Docker's default
confinement), the landlock backend confines each worker with the kernel's Landlock rules and a
system-call filter instead.
"""

from __future__ import annotations

import fcntl
import os
import platform
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeGuard

import convkit
from convkit.errors import BackendError
from convkit.worker import landlock, seccomp
from convkit.worker.confine import identity_files, python_trees
from convkit.worker.protocol import TMP_FILES, WRITABLE, Isolation, Limits, Op

SANDBOX_ROOT = "/opt/convkit"
BOOT = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); from convkit.worker.zygote import main; "
    "main()"
)
WORKER_UID_BASE = 2_000_000
WORKER_UID_COUNT = 4096
UID_LOCK_DIR = "/run/convkit-worker-uids"
PACKAGE = Path(convkit.__file__).resolve().parent
WORKER_FILES = (
    "__init__.py", "codec.py", "confine.py", "landlock.py", "probes.py", "protocol.py",
    "seccomp.py", "serve.py", "zygote.py",
)  # fmt: skip
"""The allow-list: the only files of convkit a worker sees (`convkit/worker/`, file by file):
bubblewrap binds them, Landlock lets them be read."""
NAMES = ("bwrap", "plain", "landlock")
HOW_TO_GET = {
    Isolation.BWRAP: "install bubblewrap (apt-get install -y bubblewrap) on a machine or "
    "container that allows user namespaces",
    Isolation.NAMESPACE: "grade as root where mount namespaces are allowed (not inside a "
    "container with Docker's default confinement)",
    Isolation.LANDLOCK: "a Linux kernel with Landlock (5.13 or newer, enabled at boot) whose "
    "seccomp profile allows its calls, as Docker's does",
    Isolation.UID: "grade as root, so that each worker gets a uid of its own",
    Isolation.NONE: "",
}
"""For each isolation level, how a machine gets it: what a refusal below the course's floor says."""


def short_of(floor: Isolation) -> str:
    """The end of a refusal for want of `floor`: how to get it, or how to accept less."""
    how = f"; to get it, {HOW_TO_GET[floor]}" if HOW_TO_GET[floor] else ""
    return (
        f"{how}; or lower the course's least isolation (--min-isolation, or min_isolation in "
        "convkit.toml's [sandbox])"
    )


@dataclass(frozen=True)
class Backend:
    """How a sandbox's zygote is started. `chosen` says whether the user named it (never replaced)
    or `auto` picked it (one that cannot start is then replaced by the next of `candidates`, with a
    warning in every report). `floor` is the least isolation the course accepts; `degraded` marks
    auto's last resort, the plain sandbox without a namespace (uid only as root, else none)."""

    name: Literal["bwrap", "plain", "landlock"]
    chosen: bool = True
    floor: Isolation = Isolation.UID
    degraded: bool = False

    @property
    def expected(self) -> Isolation:
        """The isolation this backend promises here; a sandbox that reports less is refused."""
        if self.name == "bwrap":
            return Isolation.BWRAP
        if self.name == "landlock":
            return Isolation.LANDLOCK
        if os.geteuid() != 0:
            return Isolation.NONE
        return Isolation.UID if self.degraded else Isolation.NAMESPACE

    def command(self, control_fd: int, identity: dict[str, int], limits: Limits) -> list[str]:
        """The zygote's command line; `identity` maps /etc files to descriptors holding bwrap's
        versions of them."""
        python = [sys.executable, "-I", "-c", BOOT]
        if self.name != "bwrap":
            return [*python, str(PACKAGE.parent), str(control_fd)]
        binds = [
            arg
            for path, fd in identity.items()
            for arg in ("--perms", "0644", "--ro-bind-data", str(fd), path)
        ]
        return [*bwrap_arguments(limits), *binds, "--", *python, SANDBOX_ROOT, str(control_fd)]

    def identity(self, uid: int | None) -> dict[str, int]:
        """For bwrap as root: memory files with the worker's /etc/passwd and /etc/group (the plain
        backend's zygote binds its own; a landlock worker has none, and is told its name by the
        environment); the caller passes them to the zygote's process and closes them."""
        if self.name != "bwrap" or uid is None:
            return {}
        descriptors = {}
        for path, text in identity_files(uid).items():
            fd = os.memfd_create(os.path.basename(path))
            os.write(fd, text.encode())
            os.lseek(fd, 0, os.SEEK_SET)
            descriptors[path] = fd
        return descriptors

    def hello(self, uid: int | None, limits: Limits) -> dict[str, Any]:
        """The zygote's configuration (its HELLO frame, less the number the channel adds)."""
        return {
            "op": Op.HELLO,
            "sandbox": self.name,
            "uid": uid,
            "limits": limits.to_frame(),
            "hide": hidden_paths(),
            "keep": python_trees(),
            "allow": [str(PACKAGE / "worker" / name) for name in WORKER_FILES],
        }

    def unavailable(self) -> str | None:
        """Why this backend cannot start here, found without starting it (so that `auto` moves on at
        once), or None where only starting it tells: the zygote checks what it achieves either
        way."""
        if self.name == "bwrap" and shutil.which("bwrap") is None:
            return "bubblewrap is not installed (apt-get install -y bubblewrap)"
        if self.name == "landlock":
            return landlock.available() or (
                None if seccomp.program() else f"no system-call filter for {platform.machine()}"
            )
        if self.name == "plain" and not self.degraded and os.geteuid() == 0:
            return mount_namespace_refused()
        return None

    def describe(self) -> str:
        who = (
            "each worker drops to its own unprivileged uid"
            if os.geteuid() == 0
            else "workers keep your uid"
        )
        if self.name == "bwrap":
            files = (
                f"at most {TMP_FILES} files each"
                if os.geteuid() == 0
                else "any number of files (only root can bound them)"
            )
            return (
                "bwrap: bubblewrap sandbox (no network, read-only system, private temporary "
                f"folders of {files}); {who}"
            )
        if self.name == "landlock":
            return (
                "landlock: no namespaces (as in a container); Landlock lets workers read only "
                "the system and Python and "
                "write only a private scratch folder, a system-call filter refuses network "
                "sockets, ptrace, mounts and "
                f"kernel objects; {who}"
            )
        if self.degraded:
            return (
                f"plain (no namespace): workers see the file system and network; {who}; "
                "grades stay protected by the protocol"
            )
        seen = (
            "the network, and of the files only the system and Python (own mount namespace)"
            if os.geteuid() == 0
            else "the file system and network"
        )
        return (
            f"plain: no bubblewrap, so workers see {seen}; {who}; grades stay protected by "
            "the protocol"
        )


def candidates(backend: Backend) -> list[Backend]:
    """The backends to try, in turn, for `backend`: itself when the user named it; for `auto`, from
    it on down the strongest first (bwrap, plain with a mount namespace as root, landlock, then
    plain without), those below the course's floor left out."""
    if backend.chosen:
        return [backend]
    order = [Backend("bwrap", False, backend.floor)]
    if os.geteuid() == 0:
        order.append(Backend("plain", False, backend.floor))
    order += [
        Backend("landlock", False, backend.floor),
        Backend("plain", False, backend.floor, degraded=True),
    ]
    start = order.index(backend) if backend in order else 0
    return [
        candidate for candidate in order[start:] if candidate.expected.rank >= backend.floor.rank
    ]


def mount_namespace_refused() -> str | None:
    """Why this process cannot make a mount namespace (a container without CAP_SYS_ADMIN), or None:
    asked of a short-lived child, so nothing here changes."""
    probe = (
        "import ctypes, sys; sys.exit(ctypes.CDLL(None, use_errno=True).unshare(0x20000) and "
        "ctypes.get_errno())"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe], capture_output=True, timeout=30, check=False
    )
    if done.returncode == 0:
        return None
    return (
        "no mount namespace here "
        f"({os.strerror(done.returncode) if done.returncode > 0 else done.stderr.decode()[-200:]})"
    )


class WorkerUid:
    """A worker uid held by this grading run alone while it is open.

    Reaping a worker kills every process of its uid, and workers of one uid may signal one another,
    so two grading runs on one host (two `convkit grade`, pytest-xdist, a test beside a real run)
    must never share a uid. Each claims a free one with an exclusive lock, which the kernel drops if
    the run dies.
    """

    def __init__(self) -> None:
        self.value: int | None = None
        self._lock: int | None = None
        if os.geteuid() != 0:
            return
        directory = private_directory(UID_LOCK_DIR, "convkit-worker-uids")
        if directory is None:
            raise BackendError(
                f"cannot make a private lock directory for worker uids ({UID_LOCK_DIR})"
            )
        claimed = first_free(directory, range(WORKER_UID_BASE, WORKER_UID_BASE + WORKER_UID_COUNT))
        if claimed is None:
            raise BackendError(
                f"all {WORKER_UID_COUNT} worker uids are in use by other grading runs"
            )
        self.value, self._lock = claimed

    def release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = self.value = None


def first_free(directory: str, numbers: Iterable[int]) -> tuple[int, int] | None:
    """The first of `numbers` whose lock file in `directory` no one else holds, locked, with the
    lock's descriptor (the kernel drops the lock if this process dies); None when all are held."""
    for number in numbers:
        fd = os.open(
            os.path.join(directory, f"{number}.lock"),
            os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW,
            0o600,
        )
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(fd)
            if isinstance(error, BlockingIOError):
                continue
            raise
        return number, fd
    return None


def private_directory(system: str, name: str) -> str | None:
    """A directory only this user may write, for lock files: `system` (under /run) or `name`-<euid>
    in the temporary folder; never one that someone else, a worker included, could have planted in a
    shared /tmp. None when neither can be made."""
    for directory in (system, os.path.join(tempfile.gettempdir(), f"{name}-{os.geteuid()}")):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            pass
        except OSError:
            continue
        info = os.lstat(directory)
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o077:
            return directory
    return None


def hidden_paths() -> list[str]:
    """What a plain worker must not see: the grader's package (hidden suites, oracle), and the
    project and the working directory it was started from (the reference solutions), unless they
    hold the Python installation."""
    needed = [
        *python_trees(),
        tempfile.gettempdir(),
        "/tmp",
        "/var/tmp",
        "/dev",
        "/proc",
        os.path.dirname(sys.executable),
    ]
    candidates = [PACKAGE]
    project = PACKAGE.parents[1]
    if (project / "pyproject.toml").is_file():
        candidates.append(project)
    candidates.append(Path.cwd().resolve())
    hidden: list[str] = []
    for path in candidates:
        text = str(path)
        if (
            text == os.sep
            or not path.is_dir()
            or any(Path(os.path.realpath(need)).is_relative_to(path) for need in needed)
        ):
            continue
        if text not in hidden:
            hidden.append(text)
    return hidden


def is_name(name: str) -> TypeGuard[Literal["bwrap", "plain", "landlock"]]:
    """Whether `name` is one of NAMES, a backend's own."""
    return name in NAMES


def choose(name: str = "auto", floor: Isolation = Isolation.UID) -> Backend:
    """The backend `name` says (`auto`: the strongest of `candidates`), for a course whose floor is
    `floor`."""
    if name == "auto":
        order = candidates(Backend("bwrap", False, floor))
        if not order:
            raise BackendError(f"no backend can give the isolation {floor} here{short_of(floor)}")
        return next((backend for backend in order if backend.unavailable() is None), order[0])
    if not is_name(name):
        raise BackendError(f"unknown backend {name!r}: choose auto, {', '.join(NAMES)}")
    backend = Backend(name, floor=floor)
    if name == "bwrap" and shutil.which("bwrap") is None:
        raise BackendError(
            "bubblewrap is not installed: apt-get install -y bubblewrap, or use --backend auto"
        )
    if backend.expected.rank < floor.rank:
        raise BackendError(
            f"the {name} backend gives at most isolation {backend.expected} here, less than the "
            f"course's least ({floor}){short_of(floor)}"
        )
    return backend


def isolation_level(text: str) -> Isolation:
    """An isolation level as a person writes it: its name, or a short form (none, uid, landlock,
    namespace, bwrap); ValueError otherwise."""
    short = {"uid": Isolation.UID, "uid-only": Isolation.UID, "namespace": Isolation.NAMESPACE}
    try:
        return short.get(text) or Isolation(text)
    except ValueError:
        raise ValueError(
            f"unknown isolation {text!r}: one of none, uid, landlock, namespace, bwrap (weakest "
            "first)"
        ) from None


def kill_uid(uid: int) -> None:
    """SIGKILL every process of `uid`: kill(-1) sent as that uid reaches them all, and nothing else.
    procps' kill, run as that uid, sends it (never a fork of this process, which may have
    threads)."""
    subprocess.run(
        ["kill", "-s", "KILL", "--", "-1"],
        user=uid, group=uid, extra_groups=[], stdin=subprocess.DEVNULL, capture_output=True,
        timeout=30, check=False,
        env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def bwrap_arguments(limits: Limits) -> list[str]:
    """bubblewrap's command line for a zygote: fresh namespaces, the system read-only, private
    bounded tmpfs."""
    arguments = [
        "bwrap", "--die-with-parent", "--new-session",
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
        "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
        "--proc", "/proc", "--dev", "/dev",
        *(
            arg
            for place in WRITABLE
            for arg in ("--perms", "1777", "--size", str(limits.tmp_bytes), "--tmpfs", place)
        ),
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
        # bwrap makes missing parents 0700 as root; the worker's uid must traverse them (e.g.
        # /root/.pyenv).
        for parent in reversed(Path(tree).parents):
            if parent != Path("/") and parent not in made and not parent.is_relative_to("/usr"):
                arguments += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        arguments += ["--ro-bind", tree, tree]
    for tree in python_trees():
        if PACKAGE.is_relative_to(tree):  # a non-editable install would expose the hidden suites
            arguments += ["--tmpfs", str(PACKAGE)]
    for name in WORKER_FILES:
        arguments += [
            "--ro-bind",
            str(PACKAGE / "worker" / name),
            f"{SANDBOX_ROOT}/convkit/worker/{name}",
        ]
    arguments += ["--chdir", "/tmp"]
    return arguments
