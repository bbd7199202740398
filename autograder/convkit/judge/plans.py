"""A check's requests, planned once per judge process and sent to a worker at once; and how checks went before.

Asked one by one, a check's cases cost a round trip each (about 120 per submission, the judge's largest share
of CPU). Every submission graded with one seed is asked the same cases as long as it answers as a correct one
does, so the judge plans each check once per process and seed: it runs the check in this process against the
oracle (trusted code) and records what it asks. A session sends a check's plan in one go and collects the
worker's replies, each within its own time limit; the check then runs as before, its requests answered from
those replies while they are the plan's, in the plan's order, and by the worker from the first one that is not.
So a worker always runs a check's whole plan before anything else: what it ran before a request never depends
on when a check failed, on timing, or on what this process graded before.

A check's course and verdict depend only on the seed and the replies it gets (a course that time changed, as an
explanation cut short, a timeout or a crash, is never kept). So each check's runs are kept as transcripts, by a
digest of the replies to its plan: a later submission whose replies to the plan, and then to each further
request the transcript made, are byte for byte the same gets the transcript's verdict without the check running
(one round trip per further request, asked as the check would ask it). Honest submissions' replies repeat (most
pass on the very bytes of one another), and so do those of common bugs.
"""

from __future__ import annotations

import hashlib
import json
import random
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..worker import probes
from ..worker.protocol import Call, Layer, Substitute
from . import oracle
from .channel import encoded
from .checks import Check, generator
from .results import Failure
from .student import Student, raise_for_status, substitution

CHUNK_BYTES = 64 << 10
"""Requests sent at once stay well within a socket's buffer (208 kB by default on Linux), so sending never waits
for the worker, which may be busy sending replies the judge reads only afterwards."""
MAX_TRANSCRIPTS = 256
"""Transcripts kept per check: each holds a digest per reply (16 bytes), the requests beyond the plan (a few
kB, rarely any) and a verdict."""
MAX_PLANS = 1024
"""Plans kept per process: every check for a few seeds (a process rarely grades more than one)."""


@dataclass(frozen=True)
class Transcript:
    """How a check went on one set of replies to its plan: what it asked beyond the plan, in order, each request
    with the digest of its reply, and its verdict (the failure, or None when it passed)."""

    steps: tuple[tuple[dict[str, Any], bytes, bytes], ...]
    failure: Failure | None


@dataclass
class Plan:
    chunks: tuple[tuple[tuple[dict[str, Any], bytes], ...], ...]
    """The check's requests in the order it makes them, each as `Student.call` and `Student.layer` build it and
    as `Channel.send_many` sends it."""
    transcripts: dict[bytes, Transcript] = field(default_factory=dict)
    """By the digest of the plan's replies."""

    def record(self, digest: bytes, transcript: Transcript) -> None:
        with _lock:
            if len(self.transcripts) < MAX_TRANSCRIPTS:
                self.transcripts.setdefault(digest, transcript)

    def transcript(self, digest: bytes) -> Transcript | None:
        with _lock:
            return self.transcripts.get(digest)


_plans: dict[tuple[Check, int], Plan | None] = {}
_lock = threading.Lock()
_planning = threading.Lock()
"""Planning runs one check at a time per process: it borrows the process's global random state."""


def planned(check_: Check, seed: int) -> Plan | None:
    """The check's plan for `seed`, made on first use; None when the check asks nothing, or does not pass on
    the oracle (a broken check is then run as before, and reported as the grader's fault)."""
    key = (check_, seed)  # the check's function too: a test may replace it under the same name
    with _lock:
        if key in _plans:
            return _plans[key]
    with _planning:
        with _lock:
            if key in _plans:
                return _plans[key]
        plan = _plan(check_, seed)
        with _lock:
            if len(_plans) >= MAX_PLANS:
                _plans.clear()
            _plans[key] = plan
    return plan


def clear() -> None:
    """Forget every plan and transcript (tests that compare a fresh process with a used one)."""
    with _lock:
        _plans.clear()


def _plan(check_: Check, seed: int) -> Plan | None:
    student = _Oracle()
    try:
        with _own_randomness():
            check_.function(student, generator(seed, check_))
    except Exception:  # noqa: BLE001 - a check that breaks on the oracle is run unplanned, and breaks there
        return None
    if not student.asked:
        return None
    chunks: list[tuple[tuple[dict[str, Any], bytes], ...]] = []
    chunk: list[tuple[dict[str, Any], bytes]] = []
    size = 0
    for request in student.asked:
        body = encoded(request)
        if chunk and size + len(body) + 32 > CHUNK_BYTES:  # a frame adds its length and number
            chunks.append(tuple(chunk))
            chunk, size = [], 0
        chunk.append((request, body))
        size += len(body) + 32
    chunks.append(tuple(chunk))
    return Plan(tuple(chunks))


class _Oracle(Student):
    """The oracle answering as a worker would, through the same encoding; records every request."""

    explain = False

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"__name__": "convkit_oracle"}
        probes.handle(self.namespace, substitution(tuple(oracle.BY_SYMBOL)))
        self.asked: list[dict[str, Any]] = []

    def request(self, request: Substitute | Call | Layer) -> Any:
        self.asked.append(dict(request))
        wire_request = json.loads(json.dumps(request))
        return raise_for_status(json.loads(json.dumps(probes.handle(self.namespace, wire_request))))


@contextmanager
def _own_randomness() -> Iterator[None]:
    """The oracle's answers reseed the global generators, as a worker's do: give the process its own back."""
    state = random.getstate(), torch.get_rng_state(), np.random.get_state()
    try:
        yield
    finally:
        random.setstate(state[0])
        torch.set_rng_state(state[1])
        np.random.set_state(state[2])


class Digest:
    """The replies to a plan, byte for byte less their sequence numbers, as 16 bytes; None once a reply is not
    in the worker's own layout (its sequence number last), which a forged frame need not be."""

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
