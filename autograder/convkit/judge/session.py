"""The student of one submission as the checks see it, living in a worker of a sandbox slot.

A worker is started on the first request, runs the submission's cells, then answers requests. A cell that hangs
or ends the process is skipped for good on a restarted worker; a call that times out or crashes fails only the
check that made it, and the next request starts a fresh worker (with the same cells and substitutions).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..config import GradingConfig
from ..worker.protocol import Call, Layer, Op, Status, Substitute, WireError
from .channel import Channel
from .errors import WorkerFailed
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

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.config.submission_timeout
        self.tmp_bytes = self.config.limits().tmp_bytes

    def time_to_explain(self) -> bool:
        """Only while more than half of the submission's time is left: explanations never starve a check."""
        return self.deadline - time.monotonic() > self.config.submission_timeout / 2

    def substitute(self, symbols: tuple[str, ...]) -> None:
        """Use correct versions of `symbols` from now on; a worker started later gets them as it loads."""
        self.symbols = symbols
        if self.worker is not None and symbols:
            self.exchange(substitution(symbols), self.config.call_timeout, "set-up")

    def request(self, request: Substitute | Call | Layer) -> Any:
        if self.worker is None:
            self.load()
        return self.exchange(request, self.config.call_timeout, "the call")

    def exchange(self, request: Substitute | Call | Layer, timeout: int, what: str) -> Any:
        assert self.worker is not None
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise WorkerFailed(f"not run: the submission used up its {self.config.submission_timeout} s", reason="out of time")
        try:
            reply = self.worker.ask(request, min(timeout, remaining))
        except TimeoutError:
            self.kill()
            raise WorkerFailed(f"{what} timed out after {timeout} s: an infinite loop?", reason="timed out") from None
        except (EOFError, OSError) as exc:
            status = self.kill()
            raise WorkerFailed(f"the worker ended during {what} ({ended(status, exc)})", reason="the worker ended") from None
        except WireError as exc:
            self.kill()
            raise WorkerFailed(f"the worker broke the protocol during {what}: {exc}", reason="broke the protocol") from None
        return raise_for_status(reply, self.tmp_bytes)

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
