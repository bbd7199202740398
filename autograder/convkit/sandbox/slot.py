"""A sandbox slot: one zygote process (torch already imported) that forks a confined worker per
submission.

A submission costs a fork, not a 1.5 s `import torch`. The judge configures the zygote in its HELLO
frame, refuses it if the READY frame reports weaker isolation than the backend promises, then talks
to each worker directly over a socket the zygote hands over, and asks the zygote to kill and clean
up after each submission.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from types import TracebackType
from typing import IO, Any

from convkit.errors import BackendError, IsolationError, SandboxError
from convkit.sandbox.backends import Backend, WorkerUid, kill_uid
from convkit.sandbox.channel import Channel
from convkit.sandbox.cpus import CpuClaim
from convkit.settings.limits import GradingConfig
from convkit.worker.protocol import WRITABLE, Isolation, Op, Status, WireError

START_TIMEOUT = 120
CONTROL_TIMEOUT = 30
CLOSE_TIMEOUT = 5


@dataclass(frozen=True)
class Ending:
    """How a reaped worker ended, as its zygote saw it: its exit status (or what stopped it), and
    the writable places it left full."""

    exit: str | None = None
    full: tuple[str, ...] = ()


class Slot:
    """One sandbox, used as a context manager; restarted once if its zygote dies."""

    def __init__(self, backend: Backend, config: GradingConfig) -> None:
        self.backend = backend
        self.config = config
        self.claim: WorkerUid | None = None
        self.cpu: CpuClaim | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.control: Channel | None = None
        self.errors: IO[bytes] | None = None
        self.isolation = Isolation.NONE
        self.detail = ""
        self.hello = 0
        """The number of the configuration sent to the zygote, which its READY frame echoes."""
        self.answered = False
        """Whether the zygote has answered it (before, it may still be importing: nothing to wait
        for)."""

    def __enter__(self) -> Slot:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        """Start the zygote, configure it, and check the isolation it reports (raises
        SandboxError)."""
        self.launch()
        self.ready()

    def launch(self) -> None:
        """Start the zygote and send its configuration without waiting for it: it imports torch (a
        second or more) while this process goes on, until `ready`."""
        self.stop()
        self.answered = False
        self.claim = WorkerUid()
        self.cpu = self.cpu or CpuClaim()
        judge_end, zygote_end = socket.socketpair()
        self.control = Channel(judge_end)  # closed by `stop`, whatever fails below
        self.errors = tempfile.TemporaryFile()
        identity: dict[str, int] = {}
        try:
            identity = self.backend.identity(self.claim.value)
            with self.pinned():  # the zygote, and so every worker it forks, runs on the slot's CPU
                self.process = subprocess.Popen(
                    self.backend.command(zygote_end.fileno(), identity, self.config.limits()),
                    pass_fds=[zygote_end.fileno(), *identity.values()],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=self.errors,
                    start_new_session=True,
                    env={
                        "PATH": "/usr/bin:/bin",
                        "LANG": "C.UTF-8",
                        "HOME": "/tmp",
                        "MPLCONFIGDIR": "/tmp",
                    },
                )
        finally:
            for fd in identity.values():
                os.close(fd)
            zygote_end.close()
        try:
            self.hello = self.control.send(
                self.backend.hello(self.claim.value, self.config.limits())
            )
        except OSError:
            pass  # it has ended already: `ready` finds its socket closed and says why

    def ready(self) -> None:
        """Wait for the launched zygote's READY frame and check the isolation it reports (raises
        SandboxError)."""
        if self.control is None:
            raise SandboxError(f"the {self.backend.name} sandbox was not launched")
        try:
            ready = next(self.control.replies(self.hello, START_TIMEOUT))
            self.answered = True
            reported: Any = ready.get("isolation")  # as sent: Isolation() refuses the rest
            isolation = Isolation(reported)
            if ready.get("status") != Status.READY:
                raise WireError(
                    f"the zygote answered {str(ready.get('status'))[:40]!r} instead of ready"
                )
        except (OSError, EOFError, TimeoutError, WireError, ValueError) as exc:
            why = self.last_error() or str(exc) or type(exc).__name__
            self.close(wait=False)
            raise SandboxError(f"the {self.backend.name} sandbox could not start: {why}") from None
        self.detail = str(ready.get("detail", ""))[:300]
        if isolation.rank < self.backend.expected.rank:
            self.close(wait=False)
            raise IsolationError(
                f"the {self.backend.name} sandbox isolates less than it promises: {isolation} "
                "instead of "
                f"{self.backend.expected} ({self.detail or 'no reason given'})"
            )
        self.isolation = isolation

    def pinned(self) -> AbstractContextManager[None]:
        """Run the calling thread on the slot's CPU meanwhile (`convkit.sandbox.cpus`): a judge
        grading with it."""
        return nullcontext() if self.cpu is None else self.cpu.pinned()

    def last_error(self) -> str:
        if self.errors is None:
            return ""
        self.errors.seek(0)
        lines = self.errors.read().decode(errors="replace").strip().splitlines()
        return lines[-1][:300] if lines else ""

    def spawn(self, preload: tuple[str, ...] = ()) -> Channel:
        """A fresh, confined worker's channel, forked with `preload` imported (by a zygote kept for
        them:
        `convkit.worker.zygote`); restarts the zygote once if it has died, on the slot's CPU (raises
        SandboxError)."""
        for _ in range(2):
            if self.control is None:
                self.start()
            assert self.control is not None
            try:
                seq = self.control.send({"op": Op.SPAWN, "preload": list(preload)})
                self.control.sock.settimeout(CONTROL_TIMEOUT)
                message, fds, _, _ = socket.recv_fds(self.control.sock, 16, 1)
                if fds and message == str(seq).encode():
                    return self.confined(Channel(socket.socket(fileno=fds[0]), buffered=True))
                for fd in fds:
                    os.close(fd)
            except (OSError, EOFError, WireError):
                pass
            self.stop()
        raise SandboxError(f"the {self.backend.name} sandbox stopped answering")

    def confined(self, worker: Channel) -> Channel:
        """`worker`, once its first frame says it is confined (`convkit.worker.serve`); no code of
        the submission has run before. One that could not be confined fails the sandbox
        (SandboxError: the submission is ungradable); one that ends first raises as its channel
        does, for `spawn` to start the zygote again."""
        try:
            frame = next(worker.replies(0, CONTROL_TIMEOUT))
        except BaseException:
            worker.close()
            raise
        if frame.get("status") != Status.READY:
            worker.close()
            raise SandboxError(
                f"the {self.backend.name} sandbox could not confine a worker: "
                f"{str(frame.get('error'))[:300]}"
            )
        return worker

    def reap(self) -> Ending:
        """Kill the current worker and everything it started; return how it ended."""
        if self.control is None:
            return Ending()
        try:
            reply = self.control.ask({"op": Op.REAP}, CONTROL_TIMEOUT)
        except (OSError, EOFError, TimeoutError, WireError):
            self.stop()
            return Ending()
        exit_status = str(reply["exit"])[:100] if reply.get("exit") is not None else None
        listed = reply.get("full")
        full = listed if type(listed) is list else []
        return Ending(exit_status, tuple(place for place in WRITABLE if place in full))

    def close(self, wait: bool = True) -> None:
        """Stop the zygote and give up the slot's CPU. With `wait`, the zygote is first let reap and
        exit (up to CLOSE_TIMEOUT), so that its CPU time, its workers' and its warmed zygote's, is
        counted."""
        try:
            if wait and self.answered and self.control is not None and self.process is not None:
                self.control.close()
                self.control = None
                try:
                    self.process.wait(CLOSE_TIMEOUT)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            self.stop()
            if self.cpu is not None:
                self.cpu.release()
                self.cpu = None

    def stop(self) -> None:
        """Stop the zygote (a restart keeps the slot's CPU: the judge grading with it may be running
        there)."""
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.process is not None:
            if (
                self.process.returncode is None
            ):  # once reaped, its group id may belong to another process
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except OSError:
                    pass
                self.process.wait()
            self.process = None
        if self.claim is not None:
            # A zygote killed without reaping leaves its orphans to init: end every process of the
            # uid first.
            if self.claim.value is not None:
                kill_uid(self.claim.value)
            self.claim.release()
            self.claim = None
        if self.errors is not None:
            self.errors.close()
            self.errors = None


def early_slot(backend: Backend, config: GradingConfig) -> Slot | None:
    """A slot launched now, before the judge is imported, for a batch graded in this process
    (`grade_batch`'s `launched`): its sandbox imports torch while this process does. None where it
    cannot even launch; the judge's own start then says why."""
    slot = Slot(backend, config)
    try:
        slot.launch()
    except BaseException as error:
        slot.close(wait=False)
        if isinstance(error, OSError | BackendError):
            return None
        raise
    return slot
