"""The student of one submission as the checks see it, living in a worker of a sandbox slot.

A worker is started on the first request, runs the submission's cells, then answers requests. A cell
that hangs or ends the process is skipped for good on a restarted worker; a call that times out or
crashes fails only the check that made it, and the next request starts a fresh worker (with the same
cells and substitutions).
"""

from __future__ import annotations

import itertools
import math
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from convkit.checking.checks import Check
from convkit.checking.student import Student, raise_for_status, reached, substitution, watching
from convkit.errors import WorkerFailed, said
from convkit.grading.submissions import Submission
from convkit.results import CheckResult
from convkit.sandbox import replay
from convkit.sandbox.channel import Channel, encoded
from convkit.sandbox.slot import Slot
from convkit.settings.limits import GradingConfig
from convkit.worker.protocol import (
    SCRATCH_FULL,
    TMP_FILES,
    Call,
    Layer,
    Limits,
    Op,
    Status,
    Substitute,
    Watch,
    WireError,
)

EXIT_HINTS = {
    "exit status": "does the code call sys.exit() or os._exit()?",
    "SIGXCPU": "it used up its CPU time",
    "SIGXFSZ": "a file reached {file_kb} KB, the sandbox's limit for one",
    "SIGSEGV": "it crashed",
    "SIGKILL": "it was killed, perhaps for memory",
}
MAX_NOTES = 20
FILE_LIMIT = "signal SIGXFSZ"
"""How a worker the kernel stopped for writing past its file-size limit ended (RLIMIT_FSIZE):
Python ignores the signal, so only code that restores it dies of it; a program the code started
that dies of it is told by the code's own words, which name no limit."""


@dataclass
class Session(Student):
    slot: Slot
    submission: Submission
    config: GradingConfig
    notes: list[str] = field(default_factory=list)
    skip: set[int] = field(default_factory=set)
    careful: bool = False
    """Whether every cell is acknowledged as it runs (`Load.each`): once a load hung or ended the
    worker, the cell that did is known only from a run acknowledged cell by cell."""
    symbols: tuple[str, ...] = ()
    question: str = ""
    """The question whose checks run now, to which the calls' operators count (`Session.watch`)."""
    watched: frozenset[str] = frozenset()
    """The library operators the worker watches for `question` (`Session.watch`)."""
    reached: dict[str, set[str]] = field(default_factory=dict)
    """By question: the watched operators its calls reached, as the worker's replies say."""
    worker: Channel | None = None
    deadline: float = 0.0
    limits: Limits = field(init=False)
    """The worker's limits, which a failure's message may name."""
    ahead: deque[tuple[bytes, dict[str, Any] | WorkerFailed]] = field(default_factory=deque)
    """Replies to the current check's plan not yet asked for, each after its request (or the failure
    instead)."""
    replayed: deque[tuple[bytes, bytes | None, dict[str, Any] | WorkerFailed]] = field(
        default_factory=deque
    )
    """Replies to a transcript's steps, asked again and not yet asked for by the check: request,
    digest, reply."""
    plan: replay.Plan | None = None
    digest: bytes | None = None
    """The digest of the plan's replies."""
    steps: list[replay.Step] | None = None
    """The check's steps beyond its plan, for its transcript; None when its course may have depended
    on time (a timeout, a crash, an explanation cut short) or a reply's digest could not be
    taken."""
    first_asked: float | None = None
    """When the check first asked for time to explain (monotonic)."""
    limit: float | None = None
    """The explanation budget the check counted on since its last request (`replay.Step.limit`)."""
    replay_started: float | None = None
    """When a transcript's replay first asked for the time to explain (monotonic)."""
    replay_timed_out: bool = False
    """Whether a transcript's replay stopped where the time to explain had run out."""

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.config.submission_timeout
        self.limits = self.config.limits()

    def time_to_explain(self, until: float = math.inf) -> bool:
        """Only while more than half of the submission's time is left: explanations never starve a
        check. A check whose explanation is cut short gets no transcript. A check that runs on a
        transcript's replayed steps (`known_result`) had the time for them when they were asked, and
        its budget counts from then. This relies on how its one caller (`compare.shrink`) asks:
        before each request, with one `until` per check, and a False ends the explanation just as
        running out of candidates does (so an asking after the last request need not be kept)."""
        now = time.monotonic()
        if self.first_asked is None:
            self.first_asked = now
        if self.replayed:
            allowed = True
        elif self.replay_timed_out:
            allowed = False
        else:
            shifted = (
                until
                if self.replay_started is None
                else self.replay_started + (until - self.first_asked)
            )
            allowed = now < shifted and self.explaining_allowed(now)
        if not allowed:
            self.steps = None
            return False
        budget = until - self.first_asked
        self.limit = budget if self.limit is None else min(self.limit, budget)
        return True

    def explaining_allowed(self, now: float) -> bool:
        return self.deadline - now > self.config.submission_timeout / 2

    def substitute(self, symbols: tuple[str, ...]) -> None:
        """Use correct versions of `symbols` from now on; a worker started later gets them as it
        loads."""
        self.symbols = symbols
        if self.worker is not None and symbols:
            self.exchange(substitution(symbols), self.config.call_timeout, "set-up")

    def watch(self, question: str, operators: frozenset[str]) -> None:
        """From now on, calls are `question`'s, and the worker notes which of `operators` they reach
        (none: it watches nothing); a worker started later is told as it loads."""
        self.question = question
        if operators != self.watched:
            self.watched = operators
            if self.worker is not None:
                self.exchange(watching(operators), self.config.call_timeout, "set-up")

    def known_result(self, check_: Check, seed: int) -> CheckResult | None:
        """Send the check's plan at once and collect the replies (`convkit.sandbox.replay`). When
        they, and the replies to the steps the check then took, are those of a transcript, byte for
        byte, its result; else None, with every reply queued for the check to run on."""
        self.forget_check()
        plan = replay.PLANS.planned(check_, seed)
        if plan is None or self.deadline <= time.monotonic():
            return None  # out of time: the check's first request says so, as it would unplanned
        if self.worker is None:
            self.load()
        self.plan, self.digest = plan, self.collect(plan)
        if self.digest is None:
            return None
        self.steps = []
        candidates, started = plan.transcripts_of(self.digest), None
        for index in itertools.count():
            finished = next((t for t in candidates if len(t.steps) == index), None)
            if finished is not None:
                self.forget_check()
                return CheckResult(check_.question, check_.name, check_.points, finished.failure)
            step = candidates[0].steps[index] if candidates else None
            if step is None:
                return None
            if step.limit is not None:  # the check asked for time first: it must be there now
                now = time.monotonic()
                self.replay_started = started = now if started is None else started
                if now >= started + step.limit or not self.explaining_allowed(now):
                    self.replay_timed_out = True
                    return None
            try:
                reply, digest = self.ask(step.body)
            except WorkerFailed as failed:
                self.replayed.append((step.body, None, failed))
                return None
            self.replayed.append((step.body, digest, reply))
            candidates = [
                t
                for t in candidates
                if t.steps[index].body == step.body and t.steps[index].digest == digest
            ]
        raise AssertionError("unreachable")

    def collect(self, plan: replay.Plan) -> bytes | None:
        """Queue the replies to `plan` in `ahead`, each within the call's time limit; a worker that
        fails to answer is killed, and its failure queued for the request it failed on. The replies'
        digest, if all came."""
        digest = replay.Digest()
        for chunk in plan.chunks:
            assert self.worker is not None
            try:
                seqs = self.worker.send_many(chunk, self.config.call_timeout)
            except OSError as exc:
                self.ahead.append(
                    (chunk[0], self.failure(exc, self.config.call_timeout, "the call"))
                )
                return None
            for body, seq in zip(chunk, seqs, strict=True):
                try:
                    self.ensure_time()
                    reply, raw = self.answer(seq, self.config.call_timeout, "the call")
                except WorkerFailed as failed:
                    if self.worker is not None:
                        self.kill()  # out of time, with the plan still running
                    self.ahead.append((body, failed))
                    return None
                self.ahead.append((body, reply))
                digest.add(seq, raw)
        return digest.value()

    def finish_check(self, result: CheckResult) -> None:
        """Keep the check's transcript with its `result`, where its course depended on the replies
        alone."""
        if self.plan is not None and self.digest is not None and self.steps is not None:
            self.plan.record(self.digest, replay.Transcript(tuple(self.steps), result.failure))
        self.forget_check()

    def forget_check(self) -> None:
        self.ahead.clear()
        self.replayed.clear()
        self.plan = self.digest = self.steps = self.first_asked = self.limit = (
            self.replay_started
        ) = None
        self.replay_timed_out = False

    def request(self, request: Substitute | Call | Layer) -> Any:
        try:
            self.ensure_time()
        except WorkerFailed:
            self.steps = None
            raise
        body = encoded(request)
        if self.ahead:
            planned, reply = self.ahead.popleft()
            if planned == body:
                if self.limit is not None:
                    # time asked for before a planned request: replaying it could not ask again
                    self.steps = None
                return self.settle(reply)
            # off the plan: the worker, which ran all of it, answers from here on
            self.ahead.clear()
        if self.replayed:
            asked, digest, reply = self.replayed.popleft()
            if asked == body:
                self.record(body, digest)
                return self.settle(reply)
            self.replayed.clear()  # only if time changed the check's course: no transcript then
            self.steps = None
        try:
            reply, digest = self.ask(body)
        except WorkerFailed:
            self.steps = None
            raise
        self.record(body, digest)
        return self.settle(reply)

    def settle(self, reply: dict[str, Any] | WorkerFailed) -> Any:
        if isinstance(reply, WorkerFailed):
            self.steps = None
            raise reply
        return raise_for_status(reply)

    def record(self, body: bytes, digest: bytes | None) -> None:
        if self.steps is not None:
            if digest is None:
                self.steps = None
            else:
                self.steps.append(replay.Step(body, digest, self.limit))
        self.limit = None

    def ask(
        self, body: bytes, timeout: int | None = None, what: str = "the call"
    ) -> tuple[dict[str, Any], bytes | None]:
        """One request (`encoded`) to the worker, started if need be: its reply, and the reply's
        digest."""
        self.ensure_time()
        if self.worker is None:
            self.load()
        assert self.worker is not None
        timeout = self.config.call_timeout if timeout is None else timeout
        try:
            [seq] = self.worker.send_many([body], timeout)
        except OSError as exc:
            raise self.failure(exc, timeout, what) from None
        reply, raw = self.answer(seq, timeout, what)
        digest = replay.Digest()
        digest.add(seq, raw)
        return reply, digest.value()

    def exchange(self, request: Substitute | Watch | Call | Layer, timeout: int, what: str) -> Any:
        return raise_for_status(self.ask(encoded(request), timeout, what)[0])

    def ensure_time(self) -> None:
        if self.deadline <= time.monotonic():
            raise WorkerFailed(
                f"not run: the submission used up its {self.config.submission_timeout} s",
                reason="out of time",
            )

    def answer(self, seq: int, timeout: int, what: str) -> tuple[dict[str, Any], bytes]:
        """The reply to request `seq` and its bytes; a worker that gives none in time is killed
        (WorkerFailed)."""
        assert self.worker is not None
        wait = min(timeout, self.deadline - time.monotonic())
        try:
            reply, raw = next(self.worker.frames(seq, wait))
        except (TimeoutError, EOFError, OSError, WireError) as exc:
            raise self.failure(exc, timeout, what) from None
        if self.watched:  # every reply passes here, a check's or a transcript's
            self.reached.setdefault(self.question, set()).update(reached(reply, self.watched))
        return reply, raw

    def failure(self, exc: BaseException, timeout: int, what: str) -> WorkerFailed:
        """What a transport error says of the submission, its worker killed."""
        status = self.kill()
        if isinstance(exc, TimeoutError):
            return WorkerFailed(
                f"{what} timed out after {timeout} s: an infinite loop?", reason="timed out"
            )
        if isinstance(exc, WireError):
            return WorkerFailed(
                f"the worker broke the protocol during {what}: {exc}", reason="broke the protocol"
            )
        # a cause named from the sandbox's evidence only (what stopped the worker), never its words
        if status is not None and status.startswith(SCRATCH_FULL):
            reason = "wrote too many temporary files"
        elif status == FILE_LIMIT:
            reason = "wrote too large a file"
        else:
            reason = "the worker ended"
        how = ended(status, exc, self.limits)
        return WorkerFailed(f"the worker ended during {what} ({how})", reason=reason)

    def load(self) -> None:
        """Start a worker and run the cells, skipping for good any cell that hangs or ends the
        process."""
        submission = self.submission
        code = code_frame(submission)
        while True:
            self.worker = self.slot.spawn(self.submission.preload)
            running = self.next_cell(-1)
            try:
                seq = self.worker.send({**code, "skip": sorted(self.skip), "each": self.careful})
                for reply in self.worker.replies(seq, self.config.cell_timeout, self.deadline):
                    if reply.get("status") == Status.DONE:
                        break
                    cell = reply.get("cell")
                    if type(cell) is not int or not 0 <= cell < len(self.submission.cells):
                        raise WireError("a reply for a cell that does not exist")
                    if reply.get("status") == Status.RAISED:
                        error = reply.get("error")
                        account = error[:200] if type(error) is str else ""
                        self.note(said(submission.label(cell), account))
                    running = self.next_cell(cell)
            except TimeoutError:
                self.give_up_on(running, f"timed out after {self.config.cell_timeout} s")
                continue
            except (EOFError, OSError, WireError) as exc:
                how = ended(self.kill(), exc, self.limits)
                self.give_up_on(running, f"ended the process ({how})")
                continue
            break
        if self.symbols:
            self.exchange(substitution(self.symbols), self.config.call_timeout, "set-up")
        if self.watched:
            self.exchange(watching(self.watched), self.config.call_timeout, "set-up")

    def next_cell(self, after: int) -> int | None:
        return next(
            (i for i in range(after + 1, len(self.submission.cells)) if i not in self.skip), None
        )

    def give_up_on(self, cell: int | None, why: str) -> None:
        self.kill()
        if not self.careful and time.monotonic() < self.deadline:
            self.careful = (
                True  # `cell` is only the first not acknowledged: run again to know which
            )
            return
        if cell is None or time.monotonic() >= self.deadline:
            raise WorkerFailed(f"loading the code failed: {why}", reason="loading failed")
        self.skip.add(cell)
        self.note(f"{self.submission.label(cell)} {why} and was skipped")

    def note(self, text: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(text)

    def kill(self) -> str | None:
        """Stop the worker and all it started; how it ended. Where the sandbox found a writable
        place full as it did, the submission is told so, once: the judge's evidence of that limit
        (an exception that says "No space left on device" is only the student's words)."""
        if self.worker is not None:
            self.worker.close()
            self.worker = None
        ending = self.slot.reap()
        if ending.full:
            most = f"{self.limits.tmp_bytes >> 20} MB (or {TMP_FILES} files)"
            found = " and ".join(ending.full)
            full = (
                f"the sandbox found {found} full as it stopped the worker: each writable place "
                f"holds at most {most} of temporary files; writing more fails"
            )
            if full not in self.notes:
                self.note(full)
        return ending.exit


def code_frame(submission: Submission) -> dict[str, Any]:
    """A LOAD frame (`convkit.worker.protocol.Load`) but its `skip`: the submission's code. At most
    MAX_CODE of code keeps it within a frame (a test makes sure)."""
    cells = submission.cells
    code = {"cells": [cell.source for cell in cells], "places": [cell.place for cell in cells]}
    return {"op": Op.LOAD, **code, "file": submission.file}


def ended(status: str | None, exc: BaseException, limits: Limits) -> str:
    if status is None:
        return f"{type(exc).__name__}"
    hint = next((text for key, text in EXIT_HINTS.items() if key in status), "")
    return f"{status}: {hint.format(file_kb=limits.output_bytes >> 10)}" if hint else status
