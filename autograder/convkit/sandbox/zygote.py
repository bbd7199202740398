"""The warm parent: imports torch once, then forks one confined worker per submission on the judge's request.

It runs no student code itself. Its control socket carries `spawn` (fork a worker and pass the judge its end
of a fresh socket) and `reap` (kill every process the submission started and remove its files). It is the
child subreaper of everything it forks, so orphans and daemons of a submission come back to it to be killed.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .confine import PR_SET_CHILD_SUBREAPER, PR_SET_DUMPABLE, Limits, isolate, kill_uid, prctl, python_trees
from .wire import receive, send
from .worker import serve

OUTPUT_FILE = "output.txt"
PRELOADED = ("torch", "torch.nn.functional", "numpy", "matplotlib.pyplot", "matplotlib.backends.backend_agg")


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    uid = int(sys.argv[2]) if sys.argv[2] != "-" else None
    limits = Limits(*(int(value) for value in sys.argv[3].split(",")))
    os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", MPLBACKEND="Agg")
    for module in PRELOADED:
        __import__(module)
    import torch

    torch.set_num_threads(1)
    isolation = sys.argv[4]  # the plain backend's hidden paths, or "-" inside bubblewrap, which isolates already
    hidden = [path for path in isolation.split(os.pathsep) if path]
    if uid is not None and isolation != "-":
        try:
            isolate(hidden, python_trees())
        except OSError as exc:  # e.g. a container without CAP_SYS_ADMIN: plain workers then see these paths
            print(f"convkit: could not isolate the workers' view of the files: {exc}", file=sys.stderr)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    prctl(PR_SET_DUMPABLE, 0)
    send(control, {"status": "ready", "uid": uid, "pid": os.getpid()})
    Zygote(control, uid, limits).run()


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
            except (EOFError, OSError):
                self.reap()
                return
            if request.get("op") == "spawn":
                self.spawn()
            else:
                send(self.control, {"status": "ok", "exit": self.reap()})

    def spawn(self) -> None:
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
        socket.send_fds(self.control, [b"s"], [judge_end.fileno()])
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


def _remove_tree(path: str | None) -> None:
    if path:
        shutil.rmtree(path, onerror=_make_writable_and_retry)


def _make_writable_and_retry(function: Any, path: str, _: Any) -> None:
    try:
        os.chmod(os.path.dirname(path), 0o700)
        os.chmod(path, 0o700)
        function(path)
    except OSError:
        pass


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
