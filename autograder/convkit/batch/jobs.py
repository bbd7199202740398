"""A submission as it travels to a judge, in this process, in a judge process or on a cluster's
worker.

A job holds the file's bytes, never a path: a cluster's workers share no files with the instructor's
machine. Reading a file is the client's work; parsing it is the judge's (`submissions.parse`),
wherever the judge runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from convkit.batch.collect import Found
from convkit.grading.submissions import MAX_BYTES, Submission, parse
from convkit.results import Submitter


@dataclass(frozen=True)
class Job:
    index: int
    """The submission's place in the run's input order: results are written in this order, whatever
    finishes first."""
    name: str
    filename: str
    data: bytes
    student: Submitter = Submitter()
    picked: str | None = None
    """Why this file was chosen among several of one student's, as the first note of its
    feedback."""
    unreadable: str | None = None
    """Why the client could not read the file (every check then fails with it)."""
    nothing: str | None = None
    """Why there is no file to grade (`Found.nothing`)."""

    def submission(self) -> Submission:
        if self.nothing is not None:
            return Submission(self.name, student=self.student, nothing=self.nothing)
        if self.unreadable is not None:
            return Submission(self.name, student=self.student, error=self.unreadable)
        submission = parse(self.filename, self.data, self.name, self.student)
        if self.picked:
            submission.notes.insert(0, self.picked)
        return submission


def read_job(index: int, item: Path | Found) -> Job:
    """Read one input file into a job; a file that cannot be read becomes a job that says why."""
    found = item if isinstance(item, Found) else Found(item, item.name)
    if found.nothing is not None:
        return Job(index, found.name, found.path.name, b"", found.student, nothing=found.nothing)
    data, unreadable = b"", None
    try:
        if found.path.stat().st_size > MAX_BYTES:
            unreadable = f"the file is over {MAX_BYTES >> 20} MiB"
        else:
            data = found.path.read_bytes()
    except OSError as exc:
        unreadable = f"could not be read: {exc.strerror or exc}"
    return Job(index, found.name, found.path.name, data, found.student, found.picked, unreadable)
