"""Grading one submission: every hidden check gets a verdict, or the submission is ungradable, never both."""

from __future__ import annotations

from pathlib import Path

from ..assignment_config import AssignmentConfig
from ..config import GradingConfig
from ..questions import QUESTION_IDS, earlier_symbols
from .checks import run_check, suite
from .errors import Failed, GraderError
from .policy import judge_from_scratch, watched
from .results import CheckResult, Failure, GradeStatus, QuestionResult, SubmissionResult
from .session import Session
from .slot import Slot
from .student import InProcessStudent
from .submissions import Submission


def grade(submission: Submission, slot: Slot, config: GradingConfig, seed: int, assignment: AssignmentConfig) -> SubmissionResult:
    """Grade in a worker of `slot`. A failure of the submission costs the checks it touches; a failure of the
    grader (the sandbox, a check's own bug) makes the whole submission ungradable, with the reason. The
    from-scratch policy is judged on the library operators the worker saw each question's calls
    reach, and on the source text, which is parsed, never run, here."""
    sandbox = {"seed": seed, "backend": slot.backend.name, "isolation": str(slot.isolation)}
    if submission.error is not None:
        failure = Failure(reason="could not be read", detail=submission.error)
        questions = tuple(failing(question, failure) for question in QUESTION_IDS)
        return SubmissionResult(
            submission.name, questions, load_error=submission.error, notes=tuple(submission.notes), student=submission.student, **sandbox
        )
    session = Session(slot, submission, config)
    operators = watched(assignment)
    questions = []
    try:
        for question in QUESTION_IDS:
            try:
                session.substitute(earlier_symbols(question))
                session.watch(question, operators.get(question, frozenset()))
            except Failed as failed:
                questions.append(failing(question, failed.failure()))
                continue
            questions.append(QuestionResult(question, tuple(run_check(check, session, seed) for check in suite(question))))
    except GraderError as error:
        return ungradable(submission, str(error), **sandbox)
    finally:
        session.kill()
    notes = (*submission.notes, *session.notes)
    cells, labels = submission.cells, submission.labels
    graded = judge_from_scratch(tuple(questions), cells, labels, assignment, session.reached)
    return SubmissionResult(submission.name, graded, partial=submission.partial, notes=notes, student=submission.student, **sandbox)


def grade_in_process(path: Path, seed: int, questions: tuple[str, ...] = QUESTION_IDS, explain: bool = True) -> tuple[QuestionResult, ...]:
    """The hidden checks of `questions` on a *trusted* file, in this process and without a sandbox (the reference,
    the kit's own test submissions), as a sandboxed worker is graded: one load, correct earlier questions
    substituted before each question. Without `explain`, failures are not shrunk or probed (same verdicts)."""
    student = InProcessStudent(path, explain)
    results = []
    for question in questions:
        student.substitute(earlier_symbols(question))
        results.append(QuestionResult(question, tuple(run_check(check, student, seed) for check in suite(question))))
    return tuple(results)


def failing(question: str, failure: Failure) -> QuestionResult:
    return QuestionResult(question, tuple(CheckResult(question, c.name, c.points, failure) for c in suite(question)))


def ungradable(submission: Submission, problem: str, *, seed: int, backend: str, isolation: str) -> SubmissionResult:
    """A result with no score that stands: every check unscored, the grader's reason stated."""
    failure = Failure(reason="not graded", detail=f"not graded: {problem}")
    questions = tuple(failing(question, failure) for question in QUESTION_IDS)
    return SubmissionResult(
        submission.name, questions, seed=seed, backend=backend, isolation=isolation, student=submission.student,
        status=GradeStatus.UNGRADABLE, problem=problem, notes=tuple(submission.notes),
    )  # fmt: skip
