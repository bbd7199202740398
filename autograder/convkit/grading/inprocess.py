"""A trusted submission graded in this process, without a sandbox: the reference, the kit's own
files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from convkit.checking.student import Student, answer_in_process
from convkit.errors import GraderError, said
from convkit.grading.submissions import parse
from convkit.worker import probes
from convkit.worker.protocol import Call, Layer, Status, Substitute


class InProcessStudent(Student):
    """Runs a trusted submission in this process (the reference, the kit's own test submissions):
    for `pytest --impl` and quick checks. Its cells are read as grading reads them; a cell that
    raises is noted."""

    def __init__(self, path: Path, explain: bool = True) -> None:
        self.explain = explain
        submission = parse(path.name, path.read_bytes(), path.name)
        if submission.error is not None:
            raise GraderError(f"{path.name} cannot be read: {submission.error}")
        self.namespace = probes.new_namespace()
        cells = [cell.source for cell in submission.cells]
        places = [cell.place for cell in submission.cells]
        replies = probes.run_cells(self.namespace, cells, places, submission.file, skip=set())
        raised = [reply for reply in replies if reply["status"] != Status.OK]
        self.notes = [said(submission.label(r["cell"]), str(r.get("error"))) for r in raised]

    def request(self, request: Substitute | Call | Layer) -> Any:
        return answer_in_process(self.namespace, request)
