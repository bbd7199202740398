"""A check's requests, planned once per judge process and sent to a worker at once; and how checks
went before.

Asked one by one, a check's cases cost a round trip each (about 120 per submission, the judge's
largest share of CPU). Every submission graded with one seed is asked the same cases as long as it
answers as a correct one does, so the judge plans each check once per process and seed: it runs the
check in this process against the oracle (trusted code) and records what it asks. A session sends a
check's plan in one go and collects the worker's replies, each within its own time limit; the check
then runs as before, its requests answered from those replies while they are the plan's, in the
plan's order, and by the worker from the first one that is not. So a worker runs a check's whole
plan (unless it fails on one of its requests) before anything else: what it ran before a request
never depends on when a check failed, on timing, or on what this process graded before. A worker
sees a check's plan before it answers the first request, so a plan must never carry an oracle's
answer (no check builds a request from one).

A check's course and verdict depend on the seed, the replies it gets, and the time it finds for
explaining a failure (`Student.time_to_explain`). So each check's runs are kept as transcripts, by a
digest of the replies to its plan: the requests it made beyond the plan, each with the digest of its
reply and whether time was asked for first. A later submission whose replies to the plan are the
same, byte for byte, is asked those requests in turn (where the time the check would ask for is
there), and when every reply is the same too, it gets the transcript's verdict without the check
running; else the check runs on the replies so far, and live from there. A course cut short by time,
or changed by a timeout or a crash, is never kept. The replies of honest submissions repeat (most
pass on the very bytes of one another), and so do those of common bugs.
"""

from __future__ import annotations

import hashlib
import random
import struct
import threading
from collections.abc import Hashable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from convkit.checking.checks import Check, generator, suite
from convkit.checking.student import Student, answer_in_process, substitution
from convkit.errors import Failed, InternalError
from convkit.exercises import oracle
from convkit.exercises.questions import QUESTION_IDS
from convkit.results import Failure
from convkit.sandbox.channel import encoded
from convkit.worker import probes
from convkit.worker.protocol import Call, Layer, Substitute

CHUNK_BYTES = 64 << 10
"""Requests sent at once stay well within a worker channel's send buffer (`Channel.SEND_BUFFER`), so
sending never waits for the worker, which may be busy sending replies the judge reads only
afterwards."""
MAX_TRANSCRIPTS = 4096
"""Transcripts kept per process: each holds the requests beyond its plan with a 16-byte digest per
reply and a verdict (2.5 kB on average for the bug catalog, 15 kB at most), so tens of MB at
most."""
MAX_PLANS = 256
"""Plans kept per process: every check for a few seeds (a process rarely grades more than one); past
it, every plan and transcript is forgotten."""


@dataclass(frozen=True)
class Step:
    """A request a check made beyond its plan (as sent), and the digest of its reply. `limit`: the
    check asked whether there was time to explain before making it, and there was, with this many
    seconds of its explanation budget counted from its first asking (`Student.time_to_explain`);
    None when it did not ask."""

    body: bytes
    digest: bytes
    limit: float | None


@dataclass(frozen=True)
class Transcript:
    """How a check went on one set of replies to its plan: its steps beyond the plan, in order, and
    its verdict (the failure, or None when it passed)."""

    steps: tuple[Step, ...]
    failure: Failure | None


Learned = tuple[str, str, int, bytes, Transcript]
"""A transcript as judges pass it on: the check's question, name and seed, the digest of its plan's
replies."""


@dataclass
class Plan:
    key: tuple[str, str, int]
    """The check's question and name, and the seed."""
    chunks: tuple[tuple[bytes, ...], ...]
    """The check's requests in the order it makes them, as `Channel.send_many` sends them."""
    book: Plans = field(repr=False, compare=False)
    """The plans this one is kept among, which bound the transcripts and pass them on."""
    transcripts: dict[bytes, list[Transcript]] = field(default_factory=dict)
    """By the digest of the plan's replies: those that went on differently (their steps' replies
    differ)."""

    def record(self, digest: bytes, transcript: Transcript, shared: bool = True) -> None:
        """Keep a transcript (and, where `share` was called, pass it on to `learned`, unless it came
        from there); one of a course already kept (the same requests and replies: their time budgets
        may differ) is not."""
        book = self.book
        course = [(step.body, step.digest) for step in transcript.steps]
        with book.lock:
            kept = self.transcripts.get(digest, [])
            if book.kept >= MAX_TRANSCRIPTS or any(
                [(step.body, step.digest) for step in other.steps] == course for other in kept
            ):
                return
            self.transcripts[digest] = [*kept, transcript]
            book.kept += 1
            if shared and book.shared is not None:
                book.shared.append((*self.key, digest, transcript))

    def transcripts_of(self, digest: bytes) -> list[Transcript]:
        with self.book.lock:
            return list(self.transcripts.get(digest, ()))


_PLANNING = threading.Lock()
"""Planning runs one check at a time in a process, whatever `Plans` asks: it borrows the process's
global random state."""


class Plans:
    """A process's plans and transcripts (`PLANS`): a judge process, a cluster's worker and a test
    each own theirs, and a forked judge starts with a copy of its parent's."""

    def __init__(self) -> None:
        self.plans: dict[tuple[Check, int], Plan | None] = {}
        self.kept = 0
        """Transcripts kept in `plans`."""
        self.lock = threading.Lock()
        self.shared: list[Learned] | None = None
        """Transcripts recorded since `learned` was last called, once `share` was."""

    def planned(self, check_: Check, seed: int) -> Plan | None:
        """The check's plan for `seed`, made on first use; None when the check asks nothing. A check
        that breaks, or fails on the oracle, raises here (nothing is kept): the submission is then
        ungradable (`run_check`)."""
        key = (check_, seed)  # the check's function too: a test may replace it under the same name
        with self.lock:
            if key in self.plans:
                return self.plans[key]
        with _PLANNING:
            with self.lock:
                if key in self.plans:
                    return self.plans[key]
            plan = _plan(check_, seed, self)
            with self.lock:
                if len(self.plans) >= MAX_PLANS:
                    self._forget()
                self.plans[key] = plan
        return plan

    def plan_all(self, seed: int) -> None:
        """Plan every check for `seed` now, as a judge does while its sandbox starts (a judge
        waiting for its zygote's torch import has a core to spare). A check that cannot be planned
        raises again when a submission reaches it."""
        for question in QUESTION_IDS:
            for check_ in suite(question):
                self.planned_or_none(check_, seed)

    def planned_or_none(self, check_: Check, seed: int) -> Plan | None:
        """The check's plan, or None where it cannot be planned: it raises again when a submission
        reaches it, and `run_check` makes that submission ungradable, with the reason."""
        try:
            return self.planned(check_, seed)
        except Exception:  # noqa: BLE001 - any failure of the check's own code
            return None

    def clear(self) -> None:
        """Forget every plan and transcript (tests that compare a fresh process with a used one)."""
        with self.lock:
            self._forget()

    def _forget(self) -> None:
        self.plans.clear()
        self.kept = 0

    def share(self) -> None:
        """Keep every transcript recorded from now on for `learned` (a judge of a local pool, a
        cluster's worker)."""
        with self.lock:
            self.shared = []

    def learned(self) -> list[Learned]:
        """The transcripts recorded since the last call, for other judges to `adopt`: a transcript
        holds replies' digests and a verdict, so one judge's runs spare the others' as they spare
        its own later submissions."""
        with self.lock:
            if self.shared is None:
                return []
            taken = list(self.shared)
            self.shared.clear()
        return taken

    def adopt(self, transcripts: list[Learned]) -> None:
        """Keep transcripts that other judges recorded (`learned`)."""
        for question, name, seed, digest, transcript in transcripts:
            check_ = next((c for c in suite(question) if c.name == name), None)
            plan = self.planned_or_none(check_, seed) if check_ is not None else None
            if plan is not None:
                plan.record(digest, transcript, shared=False)


PLANS = Plans()
"""This process's plans and transcripts."""


class Exchange:
    """Transcripts passed between judges (a local pool's processes, a cluster's workers, each known
    by a hashable name): a judge is sent, with its next job, those the others learned since it was
    last sent any (a judge never sent any, all those kept). Those every judge was sent are dropped,
    and at most MAX_TRANSCRIPTS are kept, the oldest going first: a judge that misses one only runs
    the check again."""

    def __init__(self, judges: Iterable[Hashable] = ()) -> None:
        self.entries: list[tuple[Hashable, Learned]] = []
        self.dropped = 0
        """Entries dropped so far: positions count from the first entry ever added."""
        self.sent: dict[Hashable, int] = dict.fromkeys(judges, 0)
        """Every judge met (or named at the start), with the position up to which it was sent
        entries."""

    def add(self, judge: Hashable, found: list[Learned]) -> None:
        """Transcripts `judge` learned (`learned`)."""
        self.sent.setdefault(judge, self.dropped)
        self.entries.extend((judge, entry) for entry in found)
        self._drop(len(self.entries) - MAX_TRANSCRIPTS)

    def take(self, judge: Hashable, judges: Iterable[Hashable] | None = None) -> list[Learned]:
        """What to send `judge` with its next job, for it to `adopt`. `judges`: those still to be
        sent entries (by default, every judge met)."""
        start = self.sent.get(judge, self.dropped) - self.dropped
        taken = [entry for who, entry in self.entries[start:] if who != judge]
        self.sent[judge] = self.dropped + len(self.entries)
        self._drop(
            min(
                self.sent.get(other, self.dropped)
                for other in (self.sent if judges is None else judges)
            )
            - self.dropped
        )
        return taken

    def _drop(self, count: int) -> None:
        if count > 0:
            del self.entries[:count]
            self.dropped += count
            for judge, position in self.sent.items():
                self.sent[judge] = max(position, self.dropped)


def _plan(check_: Check, seed: int, book: Plans) -> Plan | None:
    student = _Oracle()
    try:
        with _own_randomness():
            check_.function(student, generator(seed, check_))
    except Failed as failed:
        raise InternalError(
            f"the check {check_.question}/{check_.name!r} fails on the judge's own oracle "
            f"({failed.detail[:200]})"
        ) from None
    if not student.asked:
        return None
    chunks: list[tuple[bytes, ...]] = []
    chunk: list[bytes] = []
    size = 0
    for body in student.asked:
        if chunk and size + len(body) + 32 > CHUNK_BYTES:  # a frame adds its length and number
            chunks.append(tuple(chunk))
            chunk, size = [], 0
        chunk.append(body)
        size += len(body) + 32
    chunks.append(tuple(chunk))
    return Plan((check_.question, check_.name, seed), tuple(chunks), book)


class _Oracle(Student):
    """The oracle answering as a worker would, through the same encoding; records every request."""

    explain = False

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"__name__": "convkit_oracle"}
        probes.handle(self.namespace, substitution(tuple(oracle.BY_SYMBOL)))
        self.asked: list[bytes] = []

    def request(self, request: Substitute | Call | Layer) -> Any:
        self.asked.append(encoded(request))
        return answer_in_process(self.namespace, request)


@contextmanager
def _own_randomness() -> Iterator[None]:
    """The oracle's answers reseed the global generators, as a worker's do: give the process its own
    back (no judge thread draws from them meanwhile: checks draw from their own generator, and
    `_PLANNING` is held)."""
    state = random.getstate(), torch.get_rng_state(), np.random.get_state()
    try:
        yield
    finally:
        random.setstate(state[0])
        torch.set_rng_state(state[1])
        np.random.set_state(state[2])


class Digest:
    """The replies to a plan (or one request), byte for byte less their sequence numbers, as 16
    bytes. None once a reply does not end with its sequence number, as the worker's replies do (but
    for its TOO_LARGE and REFUSED frames, which then get no transcript): what precedes that ending,
    and the number, then say everything the reply holds."""

    def __init__(self) -> None:
        self.hash: Any = hashlib.blake2b(digest_size=16)

    def add(self, seq: int, body: bytes) -> None:
        suffix = b',"seq":%d}' % seq
        if self.hash is None or not body.endswith(suffix):
            self.hash = None
            return
        self.hash.update(struct.pack(">I", len(body) - len(suffix)))
        self.hash.update(body[: -len(suffix)])

    def value(self) -> bytes | None:
        return None if self.hash is None else self.hash.digest()
