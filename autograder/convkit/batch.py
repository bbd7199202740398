"""Grading many submissions: a pool of sandbox slots, one thread each, and a progress bar on stderr."""

from __future__ import annotations

import queue
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .backends import Backend
from .config import GradingConfig
from .engine import Slot, SubmissionResult, grade
from .submissions import load


class Progress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done, self.enabled = total, 0, enabled
        self.lock = threading.Lock()

    def advance(self) -> None:
        with self.lock:
            self.done += 1
            if self.enabled:
                filled = int(30 * self.done / self.total)
                sys.stderr.write(f"\rgrading [{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total}")
                sys.stderr.write("\n" if self.done == self.total else "")
                sys.stderr.flush()


def start_all(pool: list[Slot]) -> None:
    """Start every sandbox before grading: if none can start, nothing is graded (zeros would be a lie)."""
    with ThreadPoolExecutor(max_workers=len(pool)) as starter:
        failures = [f.exception() for f in [starter.submit(slot.start) for slot in pool]]
    if any(failures):
        for slot in pool:
            slot.close()
        raise next(failure for failure in failures if failure is not None)


def grade_batch(paths: list[Path], config: GradingConfig, backend: Backend, seed: int, progress: bool = True) -> list[SubmissionResult]:
    """Grade every submission, in input order; one that breaks anything costs only itself."""
    submissions = [load(path) for path in paths]
    pool = [Slot(backend, config) for _ in range(max(1, min(config.jobs, len(submissions))))]
    start_all(pool)
    slots: queue.Queue[Slot] = queue.Queue()
    for slot in pool:
        slots.put(slot)
    bar = Progress(len(submissions), progress and len(submissions) > 1)

    def work(submission):  # type: ignore[no-untyped-def]
        slot = slots.get()
        try:
            return grade(submission, slot, config, seed)
        finally:
            slots.put(slot)
            bar.advance()

    try:
        with ThreadPoolExecutor(max_workers=slots.qsize()) as pool:
            return list(pool.map(work, submissions))
    finally:
        while not slots.empty():
            slots.get().close()
