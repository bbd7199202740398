"""The warm parent: imports torch once, then forks one confined worker per submission on the judge's request.

It runs no student code itself. Its only argument is the number of its control socket; its configuration
(sandbox kind, worker uid, limits by name, what to hide) arrives in the judge's HELLO frame, and its READY reply
states the isolation it achieved, checked rather than assumed. Then the socket carries SPAWN (fork a worker and
pass the judge its end of a fresh socket) and REAP (kill every process the submission started and remove its
files). It is the child subreaper of everything it forks, so orphans and daemons come back to it to be killed.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import stat
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .confine import PR_SET_CHILD_SUBREAPER, PR_SET_DUMPABLE, bound_writable, identity_files, isolate, kill_uid, prctl, writable_unbounded
from .protocol import TMP_FILES, Hello, Isolation, Limits, Op, Ready, Reaped, Status, WireError, receive, refused, send
from .serve import serve

OUTPUT_FILE = "output.txt"
PRELOADED = ("torch", "torch.nn.functional", "torch.optim", "numpy", "matplotlib.pyplot", "matplotlib.backends.backend_agg")
"""Imported once here, so no worker pays for them."""
ON_REQUEST = ("torch._dynamo",)
"""Imported here when a SPAWN asks (2 s, so not for every sandbox): torch's compiler stack, which an optimizer's
first step imports lazily. A worker that needs it unasked imports it itself, only more slowly."""


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    try:
        hello = receive(control)
        if hello.get("op") != Op.HELLO:
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
    isolation, detail = confine_view(hello, limits)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    prctl(PR_SET_DUMPABLE, 0)
    ready: Ready = {"status": Status.READY, "seq": hello["seq"], "isolation": isolation, "detail": detail, "pid": os.getpid()}
    send(control, ready)
    Zygote(control, uid, limits).run()


def confine_view(hello: Hello, limits: Limits) -> tuple[Isolation, str]:
    """Hide what the judge asked to hide and bound the writable places (as root), then check both: the isolation
    reported is what a worker would really see, never what was merely configured. Without root, bwrap's places
    are bounded in size only (see `Backend.describe`)."""
    hide = [str(path) for path in hello.get("hide", [])]
    problem = ""
    try:
        if hello["sandbox"] == "plain" and hello["uid"] is not None:
            isolate(hide, [str(path) for path in hello.get("keep", [])], identity_files(hello["uid"]), limits)
    except OSError as exc:  # e.g. a container without CAP_SYS_ADMIN
        problem = f"could not make a private mount namespace ({exc})"
    try:
        if hello["sandbox"] == "bwrap" and hello["uid"] is not None:
            bound_writable(limits)
    except OSError as exc:
        problem = f"could not bound the number of temporary files ({exc})"
    visible = [path for path in hide if _visible(path)]
    unbounded = writable_unbounded(limits, files=hello["uid"] is not None) if hello["sandbox"] == "bwrap" or hello["uid"] is not None else None
    if visible and not problem:
        problem = f"workers could read {visible[0]}"
    if unbounded and not problem:
        problem = f"workers could fill {unbounded} beyond {limits.tmp_bytes >> 20} MB or {TMP_FILES} files"
    if not problem:
        return (Isolation.BWRAP if hello["sandbox"] == "bwrap" else Isolation.NAMESPACE), ""
    if hello["sandbox"] == "plain" and hello["uid"] is None:
        problem = ""  # not root: the plain backend promises no more than this
    return (Isolation.UID if hello["uid"] is not None else Isolation.NONE), problem


def _visible(path: str) -> bool:
    try:
        return os.path.isfile(path) or bool(os.listdir(path))
    except OSError:
        return False


class Zygote:
    def __init__(self, control: socket.socket, uid: int | None, limits: Limits) -> None:
        self.control = control
        self.uid = uid
        self.limits = limits
        self.worker: int | None = None
        self.workdir: str | None = None

    def run(self) -> None:
        while True:
            try:
                request = receive(self.control)
            except (EOFError, OSError, WireError):
                self.reap()
                return
            op = request.get("op")
            if op == Op.SPAWN:
                self.reap()  # first: nothing of the last submission runs, nor (as root) remains, while importing
                preload(request.get("preload", []))
                self.spawn(request["seq"])
            elif op == Op.REAP:
                reaped: Reaped = {"status": Status.OK, "seq": request["seq"], "exit": self.reap()}
                send(self.control, reaped)
            else:
                send(self.control, refused(request["seq"], f"a zygote does not do {str(op)[:40]!r}"))

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
            serve(worker_end, self.limits, self.uid, os.path.join(self.workdir, OUTPUT_FILE))
        worker_end.close()
        self.worker = pid
        socket.send_fds(self.control, [str(seq).encode()], [judge_end.fileno()])
        judge_end.close()

    def reap(self) -> str | None:
        """Kill the worker's session, every orphan it left, and every process of its uid; remove its files."""
        if self.worker is None:
            return None
        status = _kill_and_wait(self.worker)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if self.uid is not None:
                kill_uid(self.uid)
            children = _children()
            if not children:
                break
            for child in children:
                _kill_and_wait(child)
        self.worker = None
        _remove_tree(self.workdir)
        self.workdir = None
        if self.uid is not None:
            _remove_owned(self.uid, ("/tmp", "/dev/shm", "/var/tmp"))
        return status


_FAILED: set[str] = set()


def preload(modules: list[str]) -> None:
    """Import the modules of ON_REQUEST among `modules` (any other is ignored). An import that fails is left to
    the worker that needs it, which then shows the real error: a speed hint never costs a submission its grade
    (nor, tried once, its time)."""
    for module in modules:
        if module in ON_REQUEST and module not in _FAILED:
            try:
                __import__(module)
            except Exception:  # noqa: BLE001 - any failure: the worker imports it itself
                _FAILED.add(module)


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
    """Remove a submission's tree, making its own directories writable where it locked them; nothing outside the
    tree is ever touched (its parent, /tmp, stays as it is even if the submission removed the tree itself)."""

    def make_writable_and_retry(function: Any, path: str, _: Any) -> None:
        try:
            for directory in (os.path.dirname(path), path):
                if Path(directory).is_relative_to(tree) and stat.S_ISDIR(os.lstat(directory).st_mode):
                    os.chmod(directory, 0o700)
            function(path)
        except OSError:
            pass

    if tree:
        shutil.rmtree(tree, onerror=make_writable_and_retry)


def _remove_owned(uid: int, roots: tuple[str, ...]) -> None:
    for root in roots:
        try:
            entries = list(os.scandir(root))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid == uid:
                    if entry.is_dir(follow_symlinks=False):
                        _remove_tree(entry.path)
                    else:
                        os.unlink(entry.path)
            except OSError:
                pass


if __name__ == "__main__":
    main()
