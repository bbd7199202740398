"""The otter plugin changes otter's results only through otter's public result API, and never turns
the grader's failure into a zero."""

from __future__ import annotations

from pathlib import Path

import pytest

from convkit.batch.run import Batch
from convkit.errors import GraderError
from convkit.exercises.questions import QUESTION_IDS
from convkit.results import CheckResult, Failure, GradeStatus, QuestionResult, SubmissionResult
from convkit.sandbox.backends import Backend

otter = pytest.importorskip("otter", reason="otter-grader[grading]==7.0.0 is in the dev extra")

from otter.run.run_autograder.autograder_config import AutograderConfig  # noqa: E402
from otter.test_files import GradingResults  # noqa: E402

from convkit.platforms.otter import ConvkitPlugin, replace_results  # noqa: E402


def engine_result(status: GradeStatus = GradeStatus.GRADED) -> SubmissionResult:
    questions = tuple(
        QuestionResult(
            q,
            (
                CheckResult(q, "values", 1.0),
                CheckResult(
                    q,
                    "shapes",
                    0.5,
                    Failure("wrong shape", "one row short") if q == "pool2d" else None,
                ),
            ),
        )
        for q in QUESTION_IDS
    )
    return SubmissionResult(
        "sub.ipynb",
        questions,
        seed=3,
        backend="bwrap",
        isolation="bwrap",
        status=status,
        problem=None if status is GradeStatus.GRADED else "it broke",
    )


def test_results_are_replaced_one_test_file_per_question_one_case_per_check() -> None:
    results = GradingResults([])
    replace_results(results, engine_result(), warning=None)
    assert results.test_files == list(QUESTION_IDS)
    assert results.get_score("corr2d") == 1.5 and results.get_score("pool2d") == 1.0
    assert results.total == 1.5 * len(QUESTION_IDS) - 0.5 and results.possible == 1.5 * len(
        QUESTION_IDS
    )
    assert not results.has_catastrophic_failure()
    output = results.to_gradescope_dict(AutograderConfig({"show_hidden": True}))
    pool2d = next(t for t in output["tests"] if t["name"] == "pool2d")
    assert pool2d["score"] == 1.0 and "one row short" in pool2d["output"]
    assert (
        "Graded by convkit (bwrap sandbox, isolation bwrap)." in output["output"]
        and "seed" not in output["output"]
    )
    markdown = output["output_format"] == output["test_output_format"] == "md"
    assert markdown, "Gradescope would show the Markdown as text"


def test_an_ungradable_submission_fails_the_run_instead_of_scoring_zero(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plugin = ConvkitPlugin(str(Path("sub.ipynb")), {}, {})
    monkeypatch.setattr(
        ConvkitPlugin,
        "grade",
        lambda self: Batch([engine_result(GradeStatus.UNGRADABLE)], Backend("bwrap"), None),
    )
    results = GradingResults([])
    with pytest.raises(GraderError, match="convkit could not grade this submission: it broke"):
        plugin.after_grading(results)
    assert "convkit could not grade this submission: it broke" in capsys.readouterr().out
