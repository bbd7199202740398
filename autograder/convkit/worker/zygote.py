"""The warm parent: imports torch once, then forks one confined worker per submission on the judge's
request.

It runs no student code itself. Submissions that ask for slow imports (`ON_REQUEST`) get workers
forked from a second zygote, forked from this one once with those modules imported: a worker's
modules, address space and time depend on its own submission only, never on what the slot graded
before. Its only argument is the number of its control socket; its configuration (sandbox kind,
worker uid, limits by name, what to hide) arrives in the judge's HELLO frame, and its READY reply
states the isolation it achieved, checked rather than assumed. Then the socket carries SPAWN (fork a
worker and pass the judge its end of a fresh socket) and REAP (kill every process the submission
started and remove its files). It is the child subreaper of everything it forks, so orphans and
daemons come back to it to be killed.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import signal
import socket
import stat
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import landlock, seccomp
from .confine import (
    PR_SET_CHILD_SUBREAPER,
    PR_SET_DUMPABLE,
    Walls,
    bound_writable,
    confine,
    identity_files,
    isolate,
    kill_uid,
    prctl,
    unsearchable_ancestor,
    writable_unbounded,
)
from .protocol import (
    SCRATCH_FULL,
    TMP_FILES,
    WRITABLE,
    Hello,
    Isolation,
    Limits,
    Op,
    Ready,
    Reaped,
    Status,
    WireError,
    is_hello,
    receive,
    refused,
    send,
)
from .serve import serve

OUTPUT_FILE = "output.txt"
FULL_BYTES = 64 << 10
"""A writable place with less room than this (16 pages) counts as full: a write that fails for want
of room fills it to its last page first."""
WATCH_SECONDS = 0.05
"""How often a landlock sandbox measures its worker's scratch folder."""
PRELOADED = (
    "torch",
    "torch.nn.functional",
    "torch.optim",
    "numpy",
    "matplotlib.pyplot",
    "matplotlib.backends.backend_agg",
)
"""Imported once here, so no worker pays for them."""
ON_REQUEST = ("torch._dynamo",)
"""Imported when a SPAWN asks (2 s, so not for every sandbox) in a zygote forked for the purpose:
torch's compiler stack, which an optimizer's first step imports lazily. A worker that needs it
unasked imports it itself, only more slowly, whatever the slot graded before."""


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    try:
        hello = receive(control)
        if not is_hello(hello):
            raise WireError("the first frame must be hello")
        limits = Limits.from_frame(hello.get("limits"))
        uid = hello.get("uid")
        if uid is not None and type(uid) is not int:
            raise WireError("uid must be an int or null")
    except (WireError, EOFError, OSError) as exc:
        print(f"convkit zygote: bad configuration: {exc}", file=sys.stderr)
        sys.exit(2)
    os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg")
    for module in PRELOADED:
        __import__(module)
    import torch

    torch.set_num_threads(1)
    container = hello["sandbox"] == "landlock"
    filters = seccomp.program(container=container)
    unfiltered = seccomp.refused_here(filters, container)
    walls = Walls(None if unfiltered else filters)
    if container and not unfiltered:
        walls = landlock_walls(hello, walls)
    isolation, detail = confine_view(hello, limits, unfiltered, walls)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    prctl(PR_SET_DUMPABLE, 0)
    ready: Ready = {
        "status": Status.READY,
        "seq": hello["seq"],
        "isolation": isolation,
        "detail": detail,
        "pid": os.getpid(),
    }
    send(control, ready)
    Zygote(control, uid, limits, walls, private=hello["sandbox"] == "bwrap").run()
    # not the interpreter's shutdown with torch loaded: tenths of a second, a slot's close waits for
    # it
    os._exit(0)


def confine_view(
    hello: Hello, limits: Limits, unfiltered: str | None, walls: Walls
) -> tuple[Isolation, str]:
    """Hide what the judge asked to hide and bound the writable places (as root), then check both:
    the isolation reported is what a worker would really see, never what was merely configured.
    Without root, bwrap's places are bounded in size only (see `Backend.describe`). `unfiltered`
    says why workers could use the kernel's shared objects (`seccomp.refused_here`), which no
    sandbox above uid only allows."""
    if hello["sandbox"] == "landlock":
        return landlock_view(hello, limits, unfiltered, walls)
    hide = [str(path) for path in hello.get("hide", [])]
    problem = ""
    try:
        if hello["sandbox"] == "plain" and hello["uid"] is not None:
            isolate(
                hide,
                [str(path) for path in hello.get("keep", [])],
                identity_files(hello["uid"]),
                limits,
            )
    except OSError as exc:  # e.g. a container without CAP_SYS_ADMIN
        problem = f"could not make a private mount namespace ({exc})"
    try:
        if hello["sandbox"] == "bwrap" and hello["uid"] is not None:
            bound_writable(limits)
    except OSError as exc:
        problem = f"could not bound the number of temporary files ({exc})"
    visible = [path for path in hide if _visible(path)]
    unbounded = (
        writable_unbounded(limits, files=hello["uid"] is not None)
        if hello["sandbox"] == "bwrap" or hello["uid"] is not None
        else None
    )
    if visible and not problem:
        problem = f"workers could read {visible[0]}"
    if unbounded and not problem:
        problem = (
            f"workers could fill {unbounded} beyond {limits.tmp_bytes >> 20} MB or "
            f"{TMP_FILES} files"
        )
    if unfiltered and not problem:
        problem = (
            f"workers could leave System V IPC objects and keys to later submissions: {unfiltered}"
        )
    if not problem:
        return (Isolation.BWRAP if hello["sandbox"] == "bwrap" else Isolation.NAMESPACE), ""
    if hello["sandbox"] == "plain" and hello["uid"] is None:
        problem = ""  # not root: the plain backend promises no more than this
    unreachable = (
        unreachable_python(hello)
        if hello["sandbox"] == "plain" and hello["uid"] is not None
        else None
    )
    if (
        unreachable
    ):  # without its namespace, a worker of its own uid could not even import: it isolates nothing
        return Isolation.NONE, f"{problem}; {unreachable}"
    return (Isolation.UID if hello["uid"] is not None else Isolation.NONE), problem


def unreachable_python(hello: Hello) -> str | None:
    """Why a worker under a uid of its own, seeing the host's files, cannot read the Python
    installation."""
    for tree in map(str, hello.get("keep", [])):
        if (blocker := unsearchable_ancestor(tree)) is not None:
            return python_unreachable(tree, blocker)
    return None


def python_unreachable(path: str, blocker: str | None) -> str:
    how = (
        f": {blocker} is closed to other users (chmod o+x {blocker} lets them through it)"
        if blocker
        else ""
    )
    return f"workers, under a uid of their own, cannot read the Python installation ({path}){how}"


def landlock_walls(hello: Hello, walls: Walls) -> Walls:
    """`walls` with the Landlock rules of this kernel's ABI: the system, this Python installation
    less the grader's package (and any hidden path inside it), and the files the judge allows (the
    worker's own)."""
    version = landlock.abi()
    if not version:
        return walls
    hidden = [str(Path(__file__).resolve().parents[1]), *map(str, hello.get("hide", []))]
    read = [*landlock.SYSTEM, *landlock.PROC, *map(str, hello.get("allow", []))]
    listed: list[str] = []
    for tree in map(str, hello.get("keep", [])):
        read += landlock.beneath_except(tree, hidden, listed)
    return replace(
        walls, landlock=version, read=tuple(read), listed=tuple(listed), devices=landlock.DEVICES
    )


def landlock_view(
    hello: Hello, limits: Limits, unfiltered: str | None, walls: Walls
) -> tuple[Isolation, str]:
    """What a landlock sandbox's workers are confined by, checked in a child confined as a worker
    is."""
    uid = hello["uid"]
    problem = (
        f"workers could not be kept off the network and other processes: {unfiltered}"
        if unfiltered
        else None
    )
    problem = problem or (None if walls.landlock else landlock.available())
    if not problem and uid is None and walls.landlock < 6:
        problem = (
            f"Landlock ABI {walls.landlock} cannot keep workers, which run under your uid, "
            "from signalling the grader (ABI 6 can)"
        )
    hide = [str(path) for path in hello.get("hide", [])]
    problem = problem or escapes(limits, uid, walls, samples(hide), [os.__file__, torch_file()])
    if problem:
        return (Isolation.UID if uid is not None else Isolation.NONE), problem
    lacks = landlock.missing(walls.landlock)
    return Isolation.LANDLOCK, f"Landlock ABI {walls.landlock}" + (f" ({lacks})" if lacks else "")


def torch_file() -> str:
    import torch

    return str(torch.__file__)


def samples(paths: list[str], most: int = 20) -> list[str]:
    """Up to `most` files beneath each of `paths`, those nearest the top first: what a worker must
    fail to read."""
    found: list[str] = []
    for path in paths:
        if os.path.isfile(path):
            found.append(path)
            continue
        taken: list[str] = []
        for directory, folders, files in os.walk(path):
            folders.sort()
            taken += [os.path.join(directory, name) for name in sorted(files)][: most - len(taken)]
            if len(taken) >= most:
                break
        found += taken
    return found


def escapes(
    limits: Limits, uid: int | None, walls: Walls, secrets: list[str], python: list[str]
) -> str | None:
    """How a worker confined by `walls` gets past them, or None: a child confined as workers are
    tries to read `secrets` (each must fail), the Python installation (`python`, each must succeed),
    to write in its scratch folder (must succeed) and beside it (must fail), and to open an internet
    socket (must fail)."""
    scratch = tempfile.mkdtemp(prefix="convkit-")
    reader, writer = os.pipe()
    try:
        if uid is not None:
            os.chown(scratch, uid, uid)
        pid = os.fork()
        if pid == 0:
            try:
                os.close(reader)
                os.chdir(scratch)
                confine(limits, uid, writer, os.path.join(scratch, OUTPUT_FILE), walls)
                found = _escape(scratch, secrets, python)
            except BaseException as error:  # noqa: BLE001 - told to the judge, the child ends
                found = f"a worker could not be confined ({type(error).__name__}: {error})"
            os.write(writer, found.encode()[:2000])
            os._exit(0)
        os.close(writer)
        writer = -1
        with os.fdopen(reader, "rb") as answer:
            reader = -1
            text = answer.read().decode(errors="replace")
        os.waitpid(pid, 0)
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(os.path.dirname(scratch), f"convkit-escape-{pid}"))
    finally:
        for fd in (reader, writer):
            if fd >= 0:
                os.close(fd)
        _remove_tree(scratch)
    if text.startswith("python:"):
        path = text.removeprefix("python:")
        return python_unreachable(path, unsearchable_ancestor(path))
    return text or None


def _escape(scratch: str, secrets: list[str], python: list[str]) -> str:
    """Run in the confined child of `escapes`: what it got past, in words ('' for nothing)."""
    for path in python:
        try:
            with open(path, "rb") as handle:
                handle.read(1)
        except OSError:
            return f"python:{path}"
    for path in secrets:
        try:
            with open(path, "rb") as handle:
                handle.read(1)
            return f"workers could read {path}"
        except OSError:
            pass
    try:
        with open(os.path.join(scratch, "probe"), "w") as handle:
            handle.write("x")
    except OSError as error:
        return f"workers could not write in their scratch folder ({error})"
    beside = os.path.join(os.path.dirname(scratch), f"convkit-escape-{os.getpid()}")
    try:
        os.close(os.open(beside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return (
            f"workers could write outside their scratch folder ({beside})"  # removed by `escapes`
        )
    except OSError:
        pass
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
        return "workers could open internet sockets"
    except OSError:
        return ""


def _visible(path: str) -> bool:
    try:
        return os.path.isfile(path) or bool(os.listdir(path))
    except OSError:
        return False


@dataclass
class Warmed:
    """A zygote forked from this one with `modules` imported; it answers SPAWN and REAP like this
    one. It stays in this zygote's process group (no setsid), so that the judge's kill of the group
    ends it too."""

    modules: tuple[str, ...]
    pid: int
    sock: socket.socket


class Zygote:
    def __init__(
        self, control: socket.socket, uid: int | None, limits: Limits, walls: Walls, private: bool
    ) -> None:
        self.control = control
        self.uid = uid
        self.limits = limits
        self.walls = walls
        """What confines each worker beyond its limits and uid, as checked before READY."""
        self.private = private
        """Whether the temporary places are this sandbox's own (bwrap's), rather than the host's."""
        self.worker: int | None = None
        self.workdir: str | None = None
        self.warmed: dict[tuple[str, ...], Warmed | None] = {}
        """By the modules imported in it; None where importing them failed (not tried again)."""
        self.lent: Warmed | None = None
        """The warmed zygote whose worker is the current one."""
        self.overflowed = False
        """Whether the current worker was stopped for filling its scratch folder (`watch`)."""

    def run(self) -> None:
        while True:
            try:
                if not self.watch():
                    continue
                request = receive(self.control)
            except (EOFError, OSError, WireError):
                self.close()
                return
            op = request.get("op")
            if op == Op.SPAWN:
                # first: nothing of the last submission runs, nor (as root) remains, while importing
                self.reap()
                modules = asked(request.get("preload", []))
                if not (modules and self.spawn_warmed(modules, request["seq"])):
                    self.spawn(request["seq"])
            elif op == Op.REAP:
                exit_status, full = self.reap()
                reaped = Reaped(status=Status.OK, seq=request["seq"], exit=exit_status, full=full)
                send(self.control, reaped)
            else:
                send(
                    self.control, refused(request["seq"], f"a zygote does not do {str(op)[:40]!r}")
                )

    def watch(self) -> bool:
        """Whether a request is waiting. A worker without a bounded tmpfs (landlock: no mounts) has
        its scratch folder measured meanwhile, every WATCH_SECONDS, and is stopped once past the
        bound a tmpfs would set."""
        if (
            not self.walls.landlock
            or self.worker is None
            or self.workdir is None
            or self.overflowed
        ):
            return True
        if select.select([self.control], [], [], WATCH_SECONDS)[0]:
            return True
        if scratch_full(self.workdir, self.limits.tmp_bytes, TMP_FILES):
            self.overflowed = True
            for target in (-self.worker, self.worker):
                with contextlib.suppress(OSError):
                    os.kill(target, signal.SIGKILL)
            if self.uid is not None:
                kill_uid(self.uid)
        return False

    def spawn_warmed(self, modules: tuple[str, ...], seq: int) -> bool:
        """Have the zygote holding `modules` fork the worker and pass its socket on; False where
        that zygote cannot be had (an import failed: the worker imports them itself and shows the
        real error; a speed hint never costs a submission its grade). A warmed zygote found dead is
        forked again, once."""
        for _ in range(2):
            if modules not in self.warmed:
                try:
                    self.warmed[modules] = self.fork_warmed(modules)
                except (
                    OSError
                ):  # no memory, processes or descriptors now: not remembered, tried again next time
                    return False
            warmed = self.warmed[modules]
            if warmed is None:
                return False
            try:
                send(warmed.sock, {"op": Op.SPAWN, "seq": seq, "preload": []})
                message, fds, _, _ = socket.recv_fds(warmed.sock, 16, 1)
            except OSError:
                message, fds = b"", []
            if fds and message == str(seq).encode():
                socket.send_fds(self.control, [message], fds)
                os.close(fds[0])
                self.lent = warmed
                return True
            for fd in fds:
                os.close(fd)
            self.drop(modules)
        return False

    def fork_warmed(self, modules: tuple[str, ...]) -> Warmed | None:
        """Fork a zygote that imports `modules` and then serves this one as this one serves the
        judge; None if an import fails (its traceback goes to the judge's log of the sandbox). It
        never runs student code either, and reaps what its workers leave behind. Raises OSError
        where it cannot fork."""
        mine, theirs = socket.socketpair()
        try:
            pid = os.fork()
        except OSError:
            mine.close()
            theirs.close()
            raise
        if pid == 0:  # the warmed zygote: it must never return into this zygote's loop
            try:
                mine.close()
                self.control.close()
                for other in self.warmed.values():
                    if other is not None:
                        other.sock.close()
                prctl(PR_SET_CHILD_SUBREAPER, 1)  # not inherited across fork
                for module in modules:
                    __import__(module)
                send(theirs, {"status": Status.READY, "seq": 0})
                Zygote(theirs, self.uid, self.limits, self.walls, self.private).run()
            except BaseException:  # noqa: BLE001 - told to the log; the parent sees the socket close
                traceback.print_exc()
            finally:
                os._exit(0)
        theirs.close()
        try:
            if receive(mine).get("status") == Status.READY:
                return Warmed(modules, pid, mine)
        except (EOFError, OSError, WireError):
            pass
        mine.close()
        _kill_and_wait(pid)
        return None

    def drop(self, modules: tuple[str, ...]) -> None:
        warmed = self.warmed.pop(modules, None)
        if warmed is not None:
            warmed.sock.close()
            _kill_and_wait(warmed.pid)

    def close(self) -> None:
        """Reap the last worker, then let each warmed zygote reap its own and exit: waited for, so
        that the CPU time of its workers counts as the sandbox's."""
        self.reap()
        for warmed in self.warmed.values():
            if warmed is not None:
                warmed.sock.close()
                try:
                    os.waitpid(warmed.pid, 0)
                except ChildProcessError:
                    pass

    def spawn(self, seq: int) -> None:
        self.reap()
        self.workdir = tempfile.mkdtemp(prefix="convkit-")
        if self.uid is not None:
            os.chown(self.workdir, self.uid, self.uid)
        judge_end, worker_end = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            judge_end.close()
            self.control.close()
            os.chdir(self.workdir)
            serve(
                worker_end,
                self.limits,
                self.uid,
                os.path.join(self.workdir, OUTPUT_FILE),
                self.walls,
            )
        worker_end.close()
        self.worker = pid
        socket.send_fds(self.control, [str(seq).encode()], [judge_end.fileno()])
        judge_end.close()

    def reap(self) -> tuple[str | None, list[str]]:
        """Kill the worker's session, every orphan it left, and every process of its uid; remove its
        files. A warmed zygote's worker is reaped by that zygote. Returns how the worker ended and
        the writable places it left full (`full_places`): the sandbox's own evidence."""
        if self.lent is not None:
            return self.reap_lent(self.lent)
        if self.worker is None:
            return None, []
        status = _kill_and_wait(self.worker)
        full = self.full_places()
        self.clear(self.workdir)
        self.worker = self.workdir = None
        if self.overflowed:
            self.overflowed = False
            most = f"{self.limits.tmp_bytes >> 20} MB (or {TMP_FILES} files)"
            return f"{SCRATCH_FULL}: it wrote more than {most} in its scratch folder", full
        return status, full

    def reap_lent(self, warmed: Warmed) -> tuple[str | None, list[str]]:
        self.lent = None
        try:
            send(warmed.sock, {"op": Op.REAP, "seq": 0})
            reaped = receive(warmed.sock)
        except (EOFError, OSError, WireError):
            # It died (killed from outside, or by a worker sharing its uid when not root): what its
            # worker started came back to this zygote, the next subreaper, and goes now.
            self.drop(warmed.modules)
            self.clear()
            return None, []
        exit_status = reaped.get("exit")
        return (None if exit_status is None else str(exit_status)), list(reaped.get("full", []))

    def own_places(self) -> bool:
        """Whether the writable places are this sandbox's own tmpfs (as root, or bwrap's): the plain
        backend without root shares the host's; a landlock worker writes only its scratch folder."""
        return (self.uid is not None or self.private) and not self.walls.landlock

    def full_places(self) -> list[str]:
        """The writable places the worker left full, where they are the sandbox's own: less than
        FULL_BYTES free, or no file more (`Limits.tmp_bytes`, TMP_FILES)."""
        own = self.own_places()
        return [place for place in WRITABLE if own and _full(place, self.limits.tmp_bytes)]

    def clear(self, workdir: str | None = None) -> None:
        """Kill and wait for every child but the warmed zygotes (orphans come back to this
        subreaper) and, as root, every process of the worker uid; then remove `workdir` and what
        workers left in the temporary places: as root the files of their uid, in bwrap without root
        every file (the places are the sandbox's own). The plain backend without root shares the
        host's, and leaves them (`Backend.describe`)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if self.uid is not None:
                kill_uid(self.uid)
            warmed = {w.pid for w in self.warmed.values() if w is not None}
            children = [child for child in _children() if child not in warmed]
            if not children:
                break
            for child in children:
                _kill_and_wait(child)
        _remove_tree(workdir)
        if self.own_places():
            _remove_owned(self.uid, WRITABLE)


def scratch_full(folder: str, most_bytes: int, most_files: int) -> bool:
    """Whether `folder` holds more than `most_bytes` (as the disk counts them) or `most_files`
    entries; one that cannot be read through counts as full (a worker sharing the zygote's uid could
    hide files so)."""
    used, entries, pending = 0, 0, [folder]
    while pending:
        try:
            listing = os.scandir(pending.pop())
        except FileNotFoundError:
            continue
        except OSError:
            return True
        with listing:
            for entry in listing:
                entries += 1
                try:
                    found = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                used += found.st_blocks * 512
                if used > most_bytes or entries > most_files:
                    return True
                if stat.S_ISDIR(found.st_mode):
                    pending.append(entry.path)
    return False


def _full(place: str, most_bytes: int) -> bool:
    """Whether `place` is a tmpfs bounded as the sandbox bounds its own (where one could not be made
    private, the host's place is not the worker's to fill) and left without room."""
    try:
        found = os.statvfs(place)
    except OSError:
        return False
    no_file = found.f_files > 0 and found.f_favail == 0
    no_room = found.f_bavail * found.f_frsize < FULL_BYTES or no_file
    return no_room and found.f_blocks * found.f_frsize <= most_bytes


def asked(preload: list[str]) -> tuple[str, ...]:
    """The modules of ON_REQUEST that a SPAWN asks for (any other is ignored), in a canonical
    order."""
    return tuple(module for module in ON_REQUEST if module in preload)


def _kill_and_wait(pid: int) -> str | None:
    for target in (-pid, pid):
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    return describe_status(status)


def describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.WEXITSTATUS(status)}"


def _children() -> list[int]:
    me = str(os.getpid())
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me:
                children.append(int(entry.name))
    return children


def _remove_tree(tree: str | None) -> None:
    """Remove a submission's tree, making its own directories writable where it locked them; nothing
    outside the tree is ever touched (its parent, /tmp, stays as it is even if the submission
    removed the tree itself)."""
    if not tree:
        return

    def make_writable_and_retry(function: Any, path: str, _: Any) -> None:
        try:
            for directory in (os.path.dirname(path), path):
                if Path(directory).is_relative_to(tree) and stat.S_ISDIR(
                    os.lstat(directory).st_mode
                ):
                    os.chmod(directory, 0o700)
            function(path)
        except OSError:
            pass

    shutil.rmtree(tree, onerror=make_writable_and_retry)


def _remove_owned(uid: int | None, roots: tuple[str, ...]) -> None:
    """Remove every entry of `roots` that `uid` owns; every entry with None (a sandbox's own places,
    without root: workers have the zygote's uid, and nothing else writes there)."""
    for root in roots:
        try:
            entries = list(os.scandir(root))
        except OSError:
            continue
        for entry in entries:
            try:
                if uid is None or entry.stat(follow_symlinks=False).st_uid == uid:
                    if entry.is_dir(follow_symlinks=False):
                        _remove_tree(entry.path)
                    else:
                        os.unlink(entry.path)
            except OSError:
                pass


if __name__ == "__main__":
    main()
