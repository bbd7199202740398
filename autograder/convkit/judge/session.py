"""The student of one submission as the checks see it, living in a worker of a sandbox slot.

A worker is started on the first request, runs the submission's cells, then answers requests. A cell that hangs
or ends the process is skipped for good on a restarted worker; a call that times out or crashes fails only the
check that made it, and the next request starts a fresh worker (with the same cells and substitutions).
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..config import GradingConfig
from ..worker.protocol import Call, Layer, Op, Status, Substitute, WireError
from . import plans
from .channel import Channel, encoded
from .checks import Check
from .errors import WorkerFailed
from .results import CheckResult
from .slot import Slot
from .student import Student, raise_for_status, substitution
from .submissions import Submission

EXIT_HINTS = {
    "exit status": "does the code call sys.exit() or os._exit()?",
    "SIGXCPU": "it used up its CPU time",
    "SIGXFSZ": "it wrote more output than allowed",
    "SIGSEGV": "it crashed",
    "SIGKILL": "it was killed, perhaps for memory",
}
MAX_NOTES = 20


@dataclass
class Session(Student):
    slot: Slot
    submission: Submission
    config: GradingConfig
    notes: list[str] = field(default_factory=list)
    skip: set[int] = field(default_factory=set)
    symbols: tuple[str, ...] = ()
    worker: Channel | None = None
    deadline: float = 0.0
    tmp_bytes: int = 0
    ahead: deque[tuple[dict[str, Any], dict[str, Any] | WorkerFailed]] = field(default_factory=deque)
    """Replies to the current check's plan not yet asked for, each with its request (or the failure instead)."""
    replayed: deque[tuple[dict[str, Any], bytes, bytes | None, dict[str, Any] | WorkerFailed]] = field(default_factory=deque)
    """Replies to a transcript's steps beyond the plan, asked again and not yet asked for by the check."""
    plan: plans.Plan | None = None
    digest: bytes | None = None
    """The digest of the plan's replies."""
    steps: list[tuple[dict[str, Any], bytes, bytes]] | None = None
    """What the check asked beyond its plan, for its transcript; None when its course may have depended on time
    (a timeout, a crash, an explanation cut short) or a reply's digest could not be taken."""

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.config.submission_timeout
        self.tmp_bytes = self.config.limits().tmp_bytes

    def time_to_explain(self, until: float = math.inf) -> bool:
        """Only while more than half of the submission's time is left: explanations never starve a check. A check
        whose explanation is cut short gets no transcript (its course depended on time)."""
        now = time.monotonic()
        if now < until and self.deadline - now > self.config.submission_timeout / 2:
            return True
        self.steps = None
        return False

    def substitute(self, symbols: tuple[str, ...]) -> None:
        """Use correct versions of `symbols` from now on; a worker started later gets them as it loads."""
        self.symbols = symbols
        if self.worker is not None and symbols:
            self.exchange(substitution(symbols), self.config.call_timeout, "set-up")

    def known_result(self, check_: Check, seed: int) -> CheckResult | None:
        """Send the check's plan at once and collect the replies (`convkit.judge.plans`). When they and the replies
        to the steps the check then took are those of a transcript, byte for byte, its result; else None, with
        every reply queued for the check to run on."""
        self.finish_check(None)
        plan = plans.planned(check_, seed)
        if plan is None or self.deadline <= time.monotonic():
            return None  # out of time: the check's first request says so, as it would unplanned
        if self.worker is None:
            self.load()
        self.plan, self.digest = plan, self.collect(plan)
        self.steps = [] if self.digest is not None else None
        transcript = plan.transcript(self.digest) if self.digest is not None else None
        if transcript is None:
            return None
        for request, body, expected in transcript.steps:
            try:
                reply, digest = self.ask(body)
            except WorkerFailed as failed:
                self.replayed.append((request, body, None, failed))
                return None
            self.replayed.append((request, body, digest, reply))
            if digest != expected:
                return None
        self.finish_check(None)
        return CheckResult(check_.question, check_.name, check_.points, transcript.failure)

    def collect(self, plan: plans.Plan) -> bytes | None:
        """Queue the replies to `plan` in `ahead`, each within the call's time limit; a worker that fails to
        answer is killed, and its failure queued for the request it failed on. The replies' digest, if all came."""
        digest = plans.Digest()
        for chunk in plan.chunks:
            assert self.worker is not None
            try:
                seqs = self.worker.send_many([body for _, body in chunk])
            except OSError as exc:
                self.ahead.append((chunk[0][0], self.ended(exc, "the call")))
                return None
            for (request, _), seq in zip(chunk, seqs, strict=True):
                try:
                    self.ensure_time()
                    reply, body = self.answer(seq, self.config.call_timeout, "the call")
                except WorkerFailed as failed:
                    if self.worker is not None:
                        self.kill()  # out of time, with the plan still running
                    self.ahead.append((request, failed))
                    return None
                self.ahead.append((request, reply))
                digest.add(seq, body)
        return digest.value()

    def finish_check(self, result: CheckResult | None) -> None:
        """Keep the check's transcript with its `result`, where its course depended on the replies alone; then
        forget the check."""
        if result is not None and self.plan is not None and self.digest is not None and self.steps is not None:
            self.plan.record(self.digest, plans.Transcript(tuple(self.steps), result.failure))
        self.ahead.clear()
        self.replayed.clear()
        self.plan = self.digest = self.steps = None

    def request(self, request: Substitute | Call | Layer) -> Any:
        if self.ahead:
            planned, reply = self.ahead.popleft()
            if planned == request:
                return self.settle(reply)
            self.ahead.clear()  # off the plan: the worker, which ran all of it, answers from here on
        if self.replayed:
            asked, body, digest, reply = self.replayed.popleft()
            if asked == request:
                self.record(request, body, digest)
                return self.settle(reply)
            self.replayed.clear()  # only if the check's course changed with time: no transcript then
            self.steps = None
        body = encoded(request)
        try:
            reply, digest = self.ask(body)
        except WorkerFailed:
            self.steps = None
            raise
        self.record(request, body, digest)
        return self.settle(reply)

    def settle(self, reply: dict[str, Any] | WorkerFailed) -> Any:
        if isinstance(reply, WorkerFailed):
            self.steps = None
            raise reply
        return raise_for_status(reply, self.tmp_bytes)

    def record(self, request: dict[str, Any], body: bytes, digest: bytes | None) -> None:
        if self.steps is not None:
            if digest is None:
                self.steps = None
            else:
                self.steps.append((request, body, digest))

    def ask(self, body: bytes, timeout: int | None = None, what: str = "the call") -> tuple[dict[str, Any], bytes | None]:
        """One request (`encoded`) to the worker, started if need be: its reply, and the reply's digest."""
        if self.worker is None:
            self.load()
        assert self.worker is not None
        self.ensure_time()
        try:
            [seq] = self.worker.send_many([body])
        except OSError as exc:
            raise self.ended(exc, what) from None
        reply, raw = self.answer(seq, self.config.call_timeout if timeout is None else timeout, what)
        digest = plans.Digest()
        digest.add(seq, raw)
        return reply, digest.value()

    def exchange(self, request: Substitute | Call | Layer, timeout: int, what: str) -> Any:
        return raise_for_status(self.ask(encoded(request), timeout, what)[0], self.tmp_bytes)

    def ensure_time(self) -> None:
        if self.deadline <= time.monotonic():
            raise WorkerFailed(f"not run: the submission used up its {self.config.submission_timeout} s", reason="out of time")

    def answer(self, seq: int, timeout: int, what: str) -> tuple[dict[str, Any], bytes]:
        """The reply to request `seq` and its bytes; a worker that gives none in time is killed (WorkerFailed)."""
        assert self.worker is not None
        try:
            return next(self.worker.frames(seq, min(timeout, self.deadline - time.monotonic())))
        except TimeoutError:
            self.kill()
            raise WorkerFailed(f"{what} timed out after {timeout} s: an infinite loop?", reason="timed out") from None
        except (EOFError, OSError) as exc:
            raise self.ended(exc, what) from None
        except WireError as exc:
            self.kill()
            raise WorkerFailed(f"the worker broke the protocol during {what}: {exc}", reason="broke the protocol") from None

    def ended(self, exc: BaseException, what: str) -> WorkerFailed:
        status = self.kill()
        return WorkerFailed(f"the worker ended during {what} ({ended(status, exc)})", reason="the worker ended")

    def load(self) -> None:
        """Start a worker and run the cells, skipping for good any cell that hangs or ends the process."""
        while True:
            self.worker = self.slot.spawn(self.submission.preload)
            running = self.next_cell(-1)
            try:
                seq = self.worker.send({"op": Op.LOAD, "cells": self.submission.cells, "skip": sorted(self.skip)})
                for reply in self.worker.replies(seq, self.config.cell_timeout, self.deadline):
                    if reply.get("status") == Status.DONE:
                        break
                    cell = int(reply["cell"])
                    if reply.get("status") == Status.RAISED:
                        self.note(f"{self.submission.labels[cell]} raised {str(reply.get('error'))[:200]}")
                    running = self.next_cell(cell)
            except TimeoutError:
                self.give_up_on(running, f"timed out after {self.config.cell_timeout} s")
                continue
            except (EOFError, OSError, WireError, ValueError, TypeError, KeyError, IndexError) as exc:
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
            raise WorkerFailed(f"loading the code failed: {why}", reason="loading failed")
        self.skip.add(cell)
        self.note(f"{self.submission.labels[cell]} {why} and was skipped")

    def note(self, text: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(text)

    def kill(self) -> str | None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None
        return self.slot.reap()


def ended(status: str | None, exc: BaseException) -> str:
    if status is None:
        return f"{type(exc).__name__}"
    hint = next((text for key, text in EXIT_HINTS.items() if key in status), "")
    return f"{status}: {hint}" if hint else status
