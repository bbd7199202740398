"""The trusted judge's engine: one sandbox slot per job, one fresh worker per submission, checks run here.

A slot is a zygote process (torch already imported) that forks a confined worker per submission, so a
submission costs a fork, not a 1.5 s `import torch`. The judge talks to the worker directly over a socket the
zygote hands it, enforces every timeout itself, and asks the zygote to kill and clean up after each submission.
"""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any

from .backends import Backend, WorkerUid
from .checks import CheckResult, run_check, suite
from .config import GradingConfig
from .questions import QUESTION_IDS, earlier_symbols
from .sandbox.confine import kill_uid
from .sandbox.wire import Op, Request, Status, WireError, receive, send
from .student import Student, WorkerFailed, raise_for_status, substitution
from .submissions import Submission

START_TIMEOUT = 120
EXIT_HINTS = {
    "exit status": "does the code call sys.exit() or os._exit()?",
    "SIGXCPU": "it used up its CPU time",
    "SIGXFSZ": "it wrote more output than allowed",
    "SIGSEGV": "it crashed",
    "SIGKILL": "it was killed, perhaps for memory",
}


class SandboxError(WorkerFailed):
    """The sandbox itself failed (not the submission); its checks fail, never pass."""


class Slot:
    """One sandbox: a zygote process, restarted when it dies."""

    def __init__(self, backend: Backend, config: GradingConfig) -> None:
        self.backend = backend
        self.claim: WorkerUid | None = None
        self.uid: int | None = None
        self.config = config
        self.process: subprocess.Popen[bytes] | None = None
        self.control: socket.socket | None = None

    def start(self) -> None:
        self.close()
        self.claim = WorkerUid()
        self.uid = self.claim.value
        judge_end, zygote_end = socket.socketpair()
        limits = self.config.limits()
        packed = ",".join(str(value) for value in (limits.memory_bytes, limits.cpu_seconds, limits.output_bytes, limits.processes))
        self.errors = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            self.backend.command(zygote_end.fileno(), self.uid, packed),
            pass_fds=[zygote_end.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.errors,
            start_new_session=True,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp", "MPLCONFIGDIR": "/tmp"},
        )
        zygote_end.close()
        self.control = judge_end
        try:
            self.control.settimeout(START_TIMEOUT)
            ready = receive(self.control)
        except (OSError, EOFError, WireError) as exc:
            self.close()
            raise SandboxError(f"the {self.backend.name} sandbox could not start: {self.last_error() or exc}") from None
        if ready.get("status") != "ready":
            raise SandboxError("the sandbox sent no ready signal")

    def last_error(self) -> str:
        self.errors.seek(0)
        lines = self.errors.read().decode(errors="replace").strip().splitlines()
        return lines[-1][:300] if lines else ""

    def spawn(self) -> socket.socket:
        """A fresh worker's socket; restarts the zygote if it has died."""
        for attempt in range(2):
            if self.control is None:
                self.start()
            assert self.control is not None
            try:
                self.control.settimeout(30)
                send(self.control, {"op": "spawn"})
                _, fds, _, _ = socket.recv_fds(self.control, 16, 1)
                if fds:
                    return socket.socket(fileno=fds[0])
            except OSError:
                pass
            self.close()
        raise SandboxError("the sandbox stopped answering")

    def reap(self) -> str | None:
        """Kill the current worker and everything it started; return how it ended."""
        if self.control is None:
            return None
        try:
            self.control.settimeout(30)
            send(self.control, {"op": "reap"})
            return receive(self.control).get("exit")
        except (OSError, EOFError, WireError):
            self.close()
            return None

    def close(self) -> None:
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass
            self.process.wait()
            self.process = None
        if self.claim is not None:
            # A zygote killed without reaping leaves its orphans to init: end every process of the uid first.
            if self.uid is not None:
                kill_uid(self.uid)
            self.claim.release()
            self.claim = None


@dataclass
class Session(Student):
    """The student of one submission, living in a worker of `slot`; restarted after a crash or timeout."""

    slot: Slot
    submission: Submission
    config: GradingConfig
    notes: list[str] = field(default_factory=list)
    skip: set[int] = field(default_factory=set)
    symbols: tuple[str, ...] = ()
    sock: socket.socket | None = None
    deadline: float = 0.0
    sequence: itertools.count[int] = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.config.submission_timeout

    def substitute(self, symbols: tuple[str, ...]) -> None:
        self.symbols = symbols
        super().substitute(symbols)

    def request(self, request: Request) -> Any:
        if self.sock is None:
            self.load()
        return self.exchange(request, self.config.call_timeout, "the call")

    def exchange(self, request: Request, timeout: int, what: str) -> Any:
        assert self.sock is not None
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise WorkerFailed(f"not run: the submission used up its {self.config.submission_timeout} s")
        # Every request carries a fresh number and only the reply echoing it counts: frames a submission forged or
        # left behind (from a cell, a thread, an earlier call) are skipped rather than taken as a later answer.
        number = next(self.sequence)
        deadline = time.monotonic() + min(timeout, remaining)
        try:
            self.sock.settimeout(min(timeout, remaining))
            send(self.sock, {**request, "seq": number})
            while True:
                reply = receive(self.sock)
                if reply.get("seq") == number:
                    return raise_for_status(reply)
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self.sock.settimeout(left)
        except TimeoutError:
            self.kill()
            raise WorkerFailed(f"{what} timed out after {timeout} s: an infinite loop?") from None
        except (EOFError, OSError) as exc:
            status = self.kill()
            raise WorkerFailed(f"the worker ended during {what} ({ended(status, exc)})") from None
        except WireError as exc:
            self.kill()
            raise WorkerFailed(f"the worker broke the protocol during {what}: {exc}") from None

    def load(self) -> None:
        """Start a worker and run the cells, skipping for good any cell that hangs or ends the process."""
        while True:
            self.sock = self.slot.spawn()
            running = self.next_cell(-1)
            try:
                send(self.sock, {"op": Op.LOAD, "cells": self.submission.cells, "skip": sorted(self.skip)})
                while True:
                    self.sock.settimeout(max(0.1, min(self.config.cell_timeout, self.deadline - time.monotonic())))
                    reply = receive(self.sock)
                    if "cell" not in reply:
                        break
                    if reply.get("status") == Status.RAISED and len(self.notes) < 20:
                        self.notes.append(f"{self.submission.labels[int(reply['cell'])]} raised {str(reply.get('error'))[:200]}")
                    running = self.next_cell(int(reply["cell"]))
            except TimeoutError:
                self.give_up_on(running, f"timed out after {self.config.cell_timeout} s")
                continue
            except (EOFError, OSError, WireError, ValueError, IndexError) as exc:
                self.give_up_on(running, f"ended the process ({ended(self.kill(), exc)})")
                continue
            break
        if self.symbols:
            self.exchange(substitution(self.symbols), self.config.call_timeout, "set-up")

    def next_cell(self, after: int) -> int | None:
        return next((i for i in range(after + 1, len(self.submission.cells)) if i not in self.skip), None)

    def give_up_on(self, cell: int | None, why: str) -> None:
        self.kill()
        if cell is None or time.monotonic() >= self.deadline:
            raise WorkerFailed(f"loading the code failed: {why}")
        self.skip.add(cell)
        self.notes.append(f"{self.submission.labels[cell]} {why} and was skipped")

    def kill(self) -> str | None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        return self.slot.reap()


def ended(status: str | None, exc: BaseException) -> str:
    if status is None:
        return f"{type(exc).__name__}"
    hint = next((text for key, text in EXIT_HINTS.items() if key in status), "")
    return f"{status}: {hint}" if hint else status


@dataclass
class QuestionResult:
    question: str
    checks: list[CheckResult]

    @property
    def score(self) -> float:
        return sum(result.score for result in self.checks)

    @property
    def max_score(self) -> float:
        return sum(result.check.points for result in self.checks)


@dataclass
class SubmissionResult:
    submission: Submission
    questions: list[QuestionResult]
    notes: list[str]

    @property
    def total(self) -> float:
        return sum(question.score for question in self.questions)


def grade(submission: Submission, slot: Slot, config: GradingConfig, seed: int) -> SubmissionResult:
    """Grade one submission; every check of the judge's own list gets a verdict, whatever the worker does."""
    if submission.error is not None:
        return SubmissionResult(submission, [failing(q, submission.error) for q in QUESTION_IDS], list(submission.notes))
    session = Session(slot, submission, config)
    questions = []
    try:
        for question in QUESTION_IDS:
            try:
                session.substitute(earlier_symbols(question))
            except WorkerFailed as exc:
                questions.append(failing(question, str(exc)))
                continue
            questions.append(QuestionResult(question, [run_check(check, session, seed) for check in suite(question)]))
    finally:
        session.kill()
    return SubmissionResult(submission, questions, [*submission.notes, *session.notes])


def failing(question: str, reason: str) -> QuestionResult:
    return QuestionResult(question, [CheckResult(check, False, reason) for check in suite(question)])
