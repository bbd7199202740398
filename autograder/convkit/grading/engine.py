"""Grading one submission: every hidden check gets a verdict, or the submission is ungradable, never
both."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, TypedDict

from convkit.checking.checks import run_check, suite
from convkit.checking.compare import settled
from convkit.errors import Failed, GraderError, MissingSymbol
from convkit.exercises.questions import BY_ID, QUESTION_IDS, earlier_symbols
from convkit.grading.inprocess import InProcessStudent
from convkit.grading.policy import judge_from_scratch, watched
from convkit.grading.submissions import Submission
from convkit.results import CheckResult, Failure, GradeStatus, QuestionResult, SubmissionResult
from convkit.sandbox.session import Session
from convkit.sandbox.slot import Slot
from convkit.settings.run import GradingRun


class Sandbox(TypedDict):
    """What every result records of where it was graded, passed on by keyword."""

    seed: int
    backend: str
    isolation: str


def grade(submission: Submission, slot: Slot, run: GradingRun) -> SubmissionResult:
    """Grade in a worker of `slot`. A failure of the submission costs the checks it touches; a
    failure of the grader (the sandbox, a check's own bug) makes the whole submission ungradable,
    with the reason. The from-scratch policy is judged on the library operators the worker saw each
    question's calls reach, and on the source text, which is parsed, never run, here."""
    config, seed, assignment = run.config, run.seed, run.assignment
    sandbox = Sandbox(seed=seed, backend=slot.backend.name, isolation=str(slot.isolation))
    if submission.nothing is not None:
        why = submission.nothing
        failure = Failure("nothing to grade", detail=f"nothing to grade: {why}")
        return all_failed(submission, failure, status=GradeStatus.NOTHING, problem=why, **sandbox)
    if submission.error is not None:
        failure = Failure(reason="could not be read", detail=submission.error)
        return all_failed(submission, failure, load_error=submission.error, **sandbox)
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
            checks = settled(tuple(run_check(check, session, seed) for check in suite(question)))
            questions.append(unreached(QuestionResult(question, checks), submission))
    except GraderError as error:
        return ungradable(submission, str(error), **sandbox)
    finally:
        session.kill()
    notes = (*submission.notes, *session.notes)
    definitions, reached = submission.definitions, session.reached
    graded = judge_from_scratch(tuple(questions), definitions, assignment, reached)
    return SubmissionResult(
        submission.name,
        graded,
        partial=submission.partial,
        notes=notes,
        student=submission.student,
        **sandbox,
    )


def unreached(question: QuestionResult, submission: Submission) -> QuestionResult:
    """The question, its answer said to be not graded rather than not defined where a syntax error
    kept the code that defines it from running (`Submission.unreached`)."""
    where = submission.unreached.get(BY_ID[question.question].symbol)
    if where is None:
        return question
    failure = Failure(reason="syntax error", detail=f"not graded: {where} has a syntax error")
    checks = tuple(replace(c, failure=failure) if _missing(c) else c for c in question.checks)
    return replace(question, checks=checks)


def _missing(check: CheckResult) -> bool:
    return check.failure is not None and check.failure.reason == MissingSymbol.reason


def grade_in_process(
    path: Path, seed: int, questions: tuple[str, ...] = QUESTION_IDS, explain: bool = True
) -> tuple[QuestionResult, ...]:
    """The hidden checks of `questions` on a *trusted* file, in this process and without a sandbox
    (the reference, the kit's own test submissions), as a sandboxed worker is graded: one load,
    correct earlier questions substituted before each question. Without `explain`, failures are not
    shrunk or probed (same verdicts)."""
    student = InProcessStudent(path, explain)
    results = []
    for question in questions:
        student.substitute(earlier_symbols(question))
        results.append(
            QuestionResult(
                question,
                settled(tuple(run_check(check, student, seed) for check in suite(question))),
            )
        )
    return tuple(results)


def failing(question: str, failure: Failure) -> QuestionResult:
    return QuestionResult(
        question, tuple(CheckResult(question, c.name, c.points, failure) for c in suite(question))
    )


def all_failed(submission: Submission, failure: Failure, **fields: Any) -> SubmissionResult:
    """A result whose every check failed for one reason, `failure`; `fields`: its others (seed,
    backend and isolation at least)."""
    questions = tuple(failing(question, failure) for question in QUESTION_IDS)
    notes, student = tuple(submission.notes), submission.student
    return SubmissionResult(submission.name, questions, notes=notes, student=student, **fields)


def ungradable(
    submission: Submission, problem: str, *, seed: int, backend: str, isolation: str
) -> SubmissionResult:
    """A result with no score that stands: every check unscored, the grader's reason stated."""
    failure = Failure(reason="not graded", detail=f"not graded: {problem}")
    sandbox = Sandbox(seed=seed, backend=backend, isolation=isolation)
    status = GradeStatus.UNGRADABLE
    return all_failed(submission, failure, status=status, problem=problem, **sandbox)
