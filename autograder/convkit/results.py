"""What grading produces, as plain data: built by the judge, passed between processes as
dictionaries, and turned into text only at the edge (`convkit.output.reports`), never parsed
back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class GradeStatus(StrEnum):
    GRADED = "graded"
    NOTHING = "nothing to grade"
    UNGRADABLE = "ungradable"


@dataclass(frozen=True)
class Submitter:
    """Who handed a submission in, as far as the input says (a Gradescope export names them; a
    per-student folder gives a name); empty where unknown. A group's names are joined by '; '."""

    name: str = ""
    sid: str = ""
    email: str = ""
    unlisted: bool = False
    """A Gradescope export's submission that its submission_metadata.yml names no one for."""


@dataclass(frozen=True)
class Value:
    """A value as feedback shows it: a tensor's shape, dtype and (when small enough to read) its
    entries as nested lists, or a short text for anything else."""

    text: str | None = None
    shape: tuple[int, ...] | None = None
    dtype: str | None = None
    entries: list[Any] | None = None


@dataclass(frozen=True)
class Shown:
    """The failing call as the student should see it: the smallest input that still fails the same
    way."""

    call: str
    inputs: tuple[tuple[str, Value], ...]
    expected: Value | None = None
    actual: Value | None = None
    first_wrong: tuple[tuple[int, ...], float, float] | None = None
    """The first wrong position, in row-major order, with the expected and the actual entry."""
    shrunk: bool = False


@dataclass(frozen=True)
class Failure:
    """Why a check failed: `reason` names the kind of failure without data (reports group by it and
    by `bug`);
    `detail` says it with the data, in one line; `bug` is the known bug the output matches, in words
    (what and how to fix it); `shown` is the failing call with its values."""

    reason: str
    detail: str
    bug: str | None = None
    shown: Shown | None = None
    effect: str | None = None
    """What the output shows, exactly, where no bug is named: never a cause
    (`convkit.checking.effects`)."""
    against: tuple[str, ...] = ()
    """The bugs its failing cases rule out (their output is not the submission's): a bug another
    check of the question names is not named where one of these rules it out
    (`convkit.checking.compare.settled`)."""


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
    scratch: str | None = None
    """The from-scratch policy's finding: the forbidden call the answer makes, in words."""
    forfeited: bool = False
    """The policy costs points and was broken: the question scores 0 whatever its checks say."""
    unsure: bool = False
    """The finding is a name the policy could not resolve: said, never costing points."""

    @property
    def score(self) -> float:
        return 0.0 if self.forfeited else sum(check.score for check in self.checks)

    @property
    def max_score(self) -> float:
        return sum(check.points for check in self.checks)


@dataclass(frozen=True)
class SubmissionResult:
    """One submission's grade. `status` is GRADED; NOTHING with `problem`, why there is no file to
    grade (a student's folder without one), graded zero; or UNGRADABLE with `problem` (the grader's
    fault: no score stands). `load_error` is the submission's own fault in reading it (empty,
    binary...), graded zero."""

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
    student: Submitter = Submitter()

    @property
    def gradable(self) -> bool:
        """Whether its score stands (zero where there was nothing to grade)."""
        return self.status is not GradeStatus.UNGRADABLE

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
                    CheckResult(
                        c["question"], c["name"], c["points"], failure_from_dict(c["failure"])
                    )
                    for c in q["checks"]
                ),
                q["scratch"],
                q["forfeited"],
                q.get("unsure", False),  # results written before it was recorded had none
            )
            for q in data["questions"]
        )
        fields = {
            "questions": questions,
            "status": GradeStatus(data["status"]),
            "notes": tuple(data["notes"]),
            "student": Submitter(**data["student"]),
        }
        return cls(**{**data, **fields})


def value_from_dict(data: dict[str, Any]) -> Value:
    return Value(**{**data, "shape": None if data["shape"] is None else tuple(data["shape"])})


def failure_from_dict(data: dict[str, Any] | None) -> Failure | None:
    if data is None:
        return None
    shown = data.get("shown")
    if shown is not None:
        first = shown["first_wrong"]
        shown = Shown(
            call=shown["call"],
            inputs=tuple((name, value_from_dict(v)) for name, v in shown["inputs"]),
            expected=None if shown["expected"] is None else value_from_dict(shown["expected"]),
            actual=None if shown["actual"] is None else value_from_dict(shown["actual"]),
            first_wrong=None if first is None else (tuple(first[0]), first[1], first[2]),
            shrunk=shown["shrunk"],
        )
    return Failure(
        data["reason"],
        data["detail"],
        data["bug"],
        shown,
        data.get("effect"),
        tuple(data.get("against", ())),
    )


METADATA = "submission_metadata.yml"
"""The file of a Gradescope export that names each submission's students."""


@dataclass(frozen=True)
class Skipped:
    """A file of a run's input that was not graded, and why."""

    path: str
    reason: str
