"""Hidden checks: how they are declared (points once, in the suite), found, seeded and run."""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import torch

from .questions import QUESTION_IDS
from .student import Student, StudentError

CheckFunction = Callable[[Student, torch.Generator], None]


class CheckFailed(AssertionError):
    """A check's verdict, worded for the student."""


@dataclass(frozen=True)
class Check:
    question: str
    name: str
    points: float
    function: CheckFunction


@dataclass(frozen=True)
class CheckResult:
    check: Check
    passed: bool
    message: str

    @property
    def score(self) -> float:
        return self.check.points if self.passed else 0.0


def check(points: float, name: str) -> Callable[[CheckFunction], CheckFunction]:
    """Mark a suite function as a hidden check worth `points`; `name` is what the student reads."""

    def mark(function: CheckFunction) -> CheckFunction:
        function.convkit_check = (float(points), name)  # type: ignore[attr-defined]
        return function

    return mark


@cache
def suite(question: str) -> tuple[Check, ...]:
    """The checks of one question, in the order the suite declares them."""
    module = importlib.import_module(f"convkit.suites.test_{question}")
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
    """Each check draws from its own stream of the run's seed, so checks do not shift one another's inputs."""
    digest = hashlib.sha256(f"{seed}:{check_.question}:{check_.name}".encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "big") >> 1)


def run_check(check_: Check, student: Student, seed: int) -> CheckResult:
    try:
        check_.function(student, generator(seed, check_))
    except CheckFailed as failure:
        return CheckResult(check_, False, str(failure))
    except StudentError as error:
        return CheckResult(check_, False, str(error))
    except Exception as error:  # noqa: BLE001 - a bug in a check must cost a check, not the batch
        return CheckResult(check_, False, f"internal grader error ({type(error).__name__}: {error}); please report it")
    return CheckResult(check_, True, "passed")
