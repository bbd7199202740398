"""What grading produces, as plain data: built by the judge, passed between processes as dictionaries, and
turned into text only at the edge (`convkit.reports`), never parsed back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class GradeStatus(StrEnum):
    GRADED = "graded"
    UNGRADABLE = "ungradable"


@dataclass(frozen=True)
class Failure:
    """Why a check failed: `reason` names the kind of failure without data (reports group by it and by `bug`);
    `detail` says it with the data, in one line; `bug` is the known bug the output matches, in words."""

    reason: str
    detail: str
    bug: str | None = None


@dataclass(frozen=True)
class CheckResult:
    question: str
    name: str
    points: float
    failure: Failure | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None

    @property
    def score(self) -> float:
        return self.points if self.failure is None else 0.0


@dataclass(frozen=True)
class QuestionResult:
    question: str
    checks: tuple[CheckResult, ...]

    @property
    def score(self) -> float:
        return sum(check.score for check in self.checks)

    @property
    def max_score(self) -> float:
        return sum(check.points for check in self.checks)


@dataclass(frozen=True)
class SubmissionResult:
    """One submission's grade. `status` is GRADED, or UNGRADABLE with `problem` (the grader's fault: no score
    stands). `load_error` is the submission's own fault in reading it (empty, binary...), graded zero."""

    name: str
    questions: tuple[QuestionResult, ...]
    seed: int
    backend: str
    isolation: str
    status: GradeStatus = GradeStatus.GRADED
    problem: str | None = None
    load_error: str | None = None
    partial: str | None = None
    """Why only part of it was graded (a syntax error); every question's feedback starts with it."""
    notes: tuple[str, ...] = field(default=())

    @property
    def gradable(self) -> bool:
        return self.status is GradeStatus.GRADED

    @property
    def total(self) -> float:
        return sum(question.score for question in self.questions)

    @property
    def max_total(self) -> float:
        return sum(question.max_score for question in self.questions)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SubmissionResult:
        questions = tuple(
            QuestionResult(
                q["question"],
                tuple(
                    CheckResult(c["question"], c["name"], c["points"], Failure(**c["failure"]) if c["failure"] else None)
                    for c in q["checks"]
                ),
            )
            for q in data["questions"]
        )
        return cls(
            **{**data, "questions": questions, "status": GradeStatus(data["status"]), "notes": tuple(data["notes"])}
        )
