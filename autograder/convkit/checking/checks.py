"""Hidden checks: how they are declared (points once, in the suite), found, seeded and run."""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import torch

from convkit.checking.compare import evidence
from convkit.checking.student import Student
from convkit.errors import Failed, GraderError, InternalError
from convkit.exercises.questions import QUESTION_IDS
from convkit.results import CheckResult

CheckFunction = Callable[[Student, torch.Generator], None]


@dataclass(frozen=True)
class Check:
    question: str
    name: str
    points: float
    function: CheckFunction


def check(points: float, name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Mark a suite function as a hidden check worth `points`; `name` is what the student reads."""

    def mark(function: CheckFunction) -> CheckFunction:
        function.__dict__["convkit_check"] = (float(points), name)  # function.convkit_check = ...
        return function

    return mark


@cache
def suite(question: str) -> tuple[Check, ...]:
    """The checks of one question, in the order the suite declares them."""
    module = importlib.import_module(f"convkit.exercises.hidden.test_{question}")
    return tuple(
        Check(question, value.convkit_check[1], value.convkit_check[0], value)
        for value in vars(module).values()
        if callable(value) and hasattr(value, "convkit_check")
    )


def question_points(question: str) -> float:
    return sum(c.points for c in suite(question))


def all_points() -> dict[str, float]:
    return {question: question_points(question) for question in QUESTION_IDS}


def generator(seed: int, check_: Check) -> torch.Generator:
    """Each check draws from its own stream of the run's seed, so checks do not shift one another's
    inputs."""
    digest = hashlib.sha256(f"{seed}:{check_.question}:{check_.name}".encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "big") >> 1)


def run_check(check_: Check, student: Student, seed: int) -> CheckResult:
    """The check's verdict on the submission; a check that itself breaks raises InternalError (the
    grader's fault, so the submission becomes ungradable rather than losing points it may have
    earned)."""
    try:
        known = student.known_result(check_, seed)
        if known is not None:
            return known
        with evidence():
            check_.function(student, generator(seed, check_))
    except Failed as failed:
        result = CheckResult(check_.question, check_.name, check_.points, failed.failure())
    except GraderError:
        raise
    except Exception as error:  # noqa: BLE001 - any other exception is a bug in the check
        raise InternalError(
            f"the check {check_.question}/{check_.name!r} broke ({type(error).__name__}: {error})"
        ) from error
    else:
        result = CheckResult(check_.question, check_.name, check_.points)
    student.finish_check(result)
    return result
