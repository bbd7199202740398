"""Grading many submissions: judges started before anything is graded, results handed on as each
finishes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tqdm import tqdm

from convkit.batch.collect import Found
from convkit.batch.jobs import read_job
from convkit.batch.pool import InlineJudge, LocalPool, Usage
from convkit.errors import ClusterError
from convkit.results import SubmissionResult
from convkit.sandbox.backends import Backend
from convkit.sandbox.slot import Slot
from convkit.settings.run import GradingRun


@dataclass(frozen=True)
class Batch:
    results: list[SubmissionResult]
    backend: Backend
    warning: str | None
    """Set when `auto` could not use bubblewrap and graded with the plain sandbox instead."""
    usage: Usage | None = None
    """CPU seconds of the judges and of their sandboxes (unknown on a cluster)."""


def grade_batch(
    paths: Sequence[Path | Found],
    run: GradingRun,
    backend: Backend,
    *,
    progress: bool = True,
    done: Mapping[int, SubmissionResult] | None = None,
    on_result: Callable[[int, SubmissionResult], None] | None = None,
    scheduler: str | None = None,
    launched: Slot | None = None,
) -> Batch:
    """Grade every submission (those in `done`, by input index, are kept as they are); one that
    breaks anything costs only itself. `on_result` sees each result as it finishes; the batch lists
    them in input order. Judges run here (`run.config.jobs` processes) or, with `scheduler`, on a
    Dask cluster. Judges that cannot start raise SandboxError before anything is graded. `launched`
    is a slot the caller launched before importing the judge (`early_slot`), so that its sandbox's
    start overlaps those imports: taken by a judge in this process, else left to the caller, who
    closes it either way."""
    results = dict(done or {})
    todo = [index for index in range(len(paths)) if index not in results]
    if not todo:
        return Batch([results[index] for index in range(len(paths))], backend, None)
    if scheduler is not None:
        try:
            from convkit.batch.cluster import Cluster
        except ModuleNotFoundError as error:
            if str(error.name).split(".")[0] not in ("dask", "distributed"):
                raise
            raise ClusterError("--scheduler needs Dask: pip install 'convkit[cluster]'") from None
        judges: InlineJudge | LocalPool | Cluster = Cluster(scheduler, backend, run, len(todo))
    elif pooled(run.config.jobs, len(todo)):
        judges = LocalPool(min(run.config.jobs, len(todo)), backend, run)
    else:
        judges = InlineJudge(backend, run, launched)
    with judges, progress_bar(len(todo), progress) as bar:
        for index, result in judges.results(read_job(index, paths[index]) for index in todo):
            results[index] = result
            if on_result is not None:
                on_result(index, result)
            bar.update()
    return Batch(
        [results[index] for index in range(len(paths))],
        judges.backend,
        judges.warning,
        judges.usage,
    )


def pooled(jobs: int, todo: int) -> bool:
    """Whether `todo` submissions at `--jobs jobs` go to a pool of judge processes (else to one
    judge in this process), the cluster aside."""
    return min(jobs, todo) > 1


def progress_bar(total: int, enabled: bool) -> tqdm:
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
