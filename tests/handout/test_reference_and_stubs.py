"""The reference earns every point of every hidden check; untouched stubs earn none, as "not
implemented"."""

from __future__ import annotations

import pytest

from convkit.batch.run import grade_batch
from convkit.checking.checks import suite
from convkit.exercises.questions import QUESTION_IDS
from convkit.grading.engine import grade_in_process
from convkit.sandbox.backends import choose
from convkit.settings.limits import GradingConfig
from convkit.settings.run import GradingRun
from tests.conftest import REFERENCE, STUBS


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5, 6, 7])
def test_reference_passes_every_hidden_check(seed: int) -> None:
    failures = [
        check.failure
        for question in grade_in_process(REFERENCE, seed)
        for check in question.checks
        if not check.passed
    ]
    assert failures == []


def test_reference_and_stubs_through_the_sandboxed_engine() -> None:
    reference, stubs = grade_batch(
        [REFERENCE, STUBS], GradingRun(GradingConfig(jobs=2), 11), choose("auto"), progress=False
    ).results
    assert [q.score for q in reference.questions] == [q.max_score for q in reference.questions]
    assert reference.notes == ()
    for question in stubs.questions:
        assert question.score == 0
        assert all(
            check.failure
            and check.failure.detail == "not implemented yet (it raises NotImplementedError)"
            for check in question.checks
        )


def test_every_question_has_checks_worth_points() -> None:
    for question in QUESTION_IDS:
        checks = suite(question)
        assert len(checks) >= 2 and all(check.points > 0 for check in checks), question
