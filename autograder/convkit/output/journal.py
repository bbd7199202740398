"""A grading run's output while it runs: each result is written as soon as it is known, so an
interrupted run keeps what it graded, and `--resume` goes on from there.

Each finished submission appends its record to results.jsonl (what it is and its result, as plain
data), its row to grades.csv, and writes its own folder. When the run ends, the whole output is
written again in input order (`reports.write_all`; each submission's folder as hard links to the one
written while grading) and replaces the streamed folder, so the final files never depend on what
finished first. A record is reused only for the same file (name and content), the same seed and the
same settings, and only if it was graded: an ungradable submission (the grader's fault) is always
graded again.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from convkit.interrupts import signals_deferred
from convkit.output.reports import CSV_HEADER, RECORDS, csv_row, folder_names, write_submission
from convkit.results import SubmissionResult
from convkit.settings.run import GradingRun

if TYPE_CHECKING:
    from convkit.batch.collect import Found


@dataclass(frozen=True)
class Key:
    """What a record is the result of."""

    name: str
    sha256: str
    settings: str


def settings_key(run: GradingRun, version: str) -> str:
    """The seed and every setting that can change a grade (not --jobs), as one short digest."""
    assignment = run.assignment.to_dict()
    settings = {
        **asdict(run.config),
        "jobs": None,
        "seed": run.seed,
        "assignment": assignment,
        "convkit": version,
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def keys(found: Sequence[Found], settings: str) -> list[Key]:
    """Each submission's key, reading every file once (and keeping none of it)."""
    result = []
    for item in found:
        digest = "nothing to grade"  # no file: its path is a folder, never read
        if item.nothing is None:
            try:
                digest = hashlib.sha256(item.path.read_bytes()).hexdigest()
            except OSError:
                digest = "unreadable"
        result.append(Key(item.name, digest, settings))
    return result


def record(key: Key, result: SubmissionResult) -> str:
    return json.dumps({**asdict(key), "result": result.to_dict()}, sort_keys=True) + "\n"


def reusable(out: Path, wanted: Sequence[Key]) -> dict[int, SubmissionResult]:
    """The graded results in `out`'s results.jsonl that match `wanted`, by input index. A line cut
    short by an interrupted write, or from another version of convkit, is ignored (that submission
    is graded again)."""
    found: dict[Key, SubmissionResult] = {}
    try:
        lines = (out / RECORDS).read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    for text in lines:
        try:
            data = json.loads(text)
            key = Key(data["name"], data["sha256"], data["settings"])
            result = SubmissionResult.from_dict(data["result"])
        except (ValueError, KeyError, TypeError):
            continue
        if result.gradable:
            found[key] = result
    return {index: found[key] for index, key in enumerate(wanted) if key in found}


class Journal:
    """The streamed output of one run in `out`. The folder is prepared when the first result arrives
    (after the judges have started, so a run that grades nothing touches nothing): emptied, then
    given the reused results."""

    def __init__(self, out: Path, keys: Sequence[Key], reused: dict[int, SubmissionResult]) -> None:
        self.out, self.keys, self.reused = out, list(keys), reused
        self.folders = folder_names([key.name for key in keys])
        self.opened = False
        self.cleared = False
        """Whether an earlier run's output in `out` has been removed (the results --resume kept live
        on in memory)."""
        self.spans: dict[int, tuple[int, int]] = {}
        """Where each submission's record lies in results.jsonl, by input index."""

    @property
    def keeps(self) -> bool:
        """Whether --out holds graded results to go on from: this run's, or an earlier run's that
        --resume kept (left in place until this run writes its first result)."""
        return self.opened or (bool(self.reused) and not self.cleared)

    def open(self) -> None:
        if self.out.exists():
            self.cleared = True
            shutil.rmtree(self.out)
        self.out.mkdir(parents=True)
        with (self.out / "grades.csv").open("w", newline="") as handle:
            csv.writer(handle).writerow(CSV_HEADER)
        self.opened = True
        for index, result in sorted(self.reused.items()):
            self.add(index, result)

    def add(self, index: int, result: SubmissionResult) -> None:
        """Write one finished result whole: Ctrl-C and SIGTERM wait until its folder, its row and,
        last, its record (what --resume trusts) are written."""
        with signals_deferred():
            if not self.opened:
                self.open()
            write_submission(self.out / self.folders[index], result)
            with (self.out / "grades.csv").open("a", newline="") as handle:
                csv.writer(handle).writerow(csv_row(result))
            with (self.out / RECORDS).open("ab") as handle:
                start = handle.tell()
                handle.write(record(self.keys[index], result).encode())
                self.spans[index] = start, handle.tell()

    def records(self, results: Sequence[SubmissionResult]) -> list[str]:
        """Every record, in input order: the final results.jsonl (those written while grading are
        read back)."""
        try:
            data = (self.out / RECORDS).read_bytes() if self.spans else b""
        except OSError:
            data = b""
        spans = self.spans if data else {}  # nothing to read back: every record is made again
        return [
            data[spans[index][0] : spans[index][1]].decode()
            if index in spans
            else record(key, result)
            for index, (key, result) in enumerate(zip(self.keys, results, strict=True))
        ]

    def written(self) -> list[Path | None]:
        """Each submission's folder as written while grading (None where it was not): the final
        output links it."""
        return [
            self.out / folder if index in self.spans else None
            for index, folder in enumerate(self.folders)
        ]
