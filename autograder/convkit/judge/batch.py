"""Grading many submissions: one sandbox slot per job, all started before anything is graded, a progress bar."""

from __future__ import annotations

import queue
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tqdm import tqdm

from ..assignment_config import AssignmentConfig
from ..assignment_config import load as load_assignment
from ..config import GradingConfig
from .backends import Backend
from .collect import Found
from .engine import grade
from .errors import SandboxError
from .results import SubmissionResult
from .slot import Slot
from .submissions import Submission, load


@dataclass(frozen=True)
class Batch:
    results: list[SubmissionResult]
    backend: Backend
    warning: str | None
    """Set when `auto` could not use bubblewrap and graded with the plain sandbox instead."""


@contextmanager
def open_slots(backend: Backend, config: GradingConfig, count: int) -> Iterator[tuple[list[Slot], Backend, str | None]]:
    """Start `count` slots before grading anything: if they cannot start, nothing is graded (zeros would be a
    lie). Bubblewrap that `auto` picked but cannot start here is replaced by the plain sandbox, with a warning;
    a backend the user named never is."""
    with ExitStack() as stack:
        used, warning = backend, None
        try:
            slots = start_all(stack, backend, config, count)
        except SandboxError as error:
            if backend.chosen or backend.name != "bwrap":
                raise
            stack.close()
            used = Backend("plain", chosen=False)
            warning = f"bubblewrap could not start here ({error}); graded with the plain sandbox instead"
            slots = start_all(stack, used, config, count)
        yield slots, used, warning


def start_all(stack: ExitStack, backend: Backend, config: GradingConfig, count: int) -> list[Slot]:
    slots = [Slot(backend, config) for _ in range(count)]
    for slot in slots:
        stack.callback(slot.close)
    with ThreadPoolExecutor(max_workers=count) as starter:
        failures = [future.exception() for future in [starter.submit(slot.start) for slot in slots]]
    for failure in failures:
        if failure is not None:
            raise failure
    return slots


def grade_batch(
    paths: Sequence[Path | Found],
    config: GradingConfig,
    backend: Backend,
    seed: int,
    assignment: AssignmentConfig | None = None,
    progress: bool = True,
) -> Batch:
    """Grade every submission, in input order; one that breaks anything costs only itself. Without
    `assignment`, the assignment's own choices (assignments/convkit.toml) apply."""
    assignment = assignment if assignment is not None else load_assignment()
    import torch

    torch.set_num_threads(1)  # the judge's tensors are tiny: threads only compete with the sandboxes for cores
    submissions = [read(item) for item in paths]
    with open_slots(backend, config, max(1, min(config.jobs, len(submissions)))) as (slots, used, warning):
        free: queue.Queue[Slot] = queue.Queue()
        for slot in slots:
            free.put(slot)
        with progress_bar(len(submissions), progress) as bar:

            def work(submission):  # type: ignore[no-untyped-def]
                slot = free.get()
                try:
                    return grade(submission, slot, config, seed, assignment)
                finally:
                    free.put(slot)
                    bar.update()

            with ThreadPoolExecutor(max_workers=len(slots)) as pool:
                results = list(pool.map(work, submissions))
    return Batch(results, used, warning)


def read(item: Path | Found) -> Submission:
    """A submission read for grading; one that was picked among several files says so in its notes."""
    if isinstance(item, Path):
        return load(item)
    submission = load(item.path, item.name, item.student)
    if item.picked:
        submission.notes.insert(0, item.picked)
    return submission


def progress_bar(total: int, enabled: bool) -> tqdm:  # type: ignore[type-arg]
    """A bar on a terminal; one line per update in a log (stderr not a terminal)."""
    terminal = sys.stderr.isatty()
    return tqdm(
        total=total,
        desc="grading",
        unit="submission",
        disable=not enabled or total < 2,
        file=sys.stderr if terminal else LineWriter(sys.stderr),
        dynamic_ncols=terminal,
        ncols=None if terminal else 80,
        mininterval=0.1 if terminal else 0,
    )


class LineWriter:
    """Turns tqdm's carriage-return redraws into one line each, so a log shows every update."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        text = text.replace("\r", "").strip()
        if text:
            self.stream.write(text + "\n")

    def flush(self) -> None:
        self.stream.flush()
