"""An otter-grader 7 plugin that makes convkit's sandboxed engine the judge of an otter autograder
zip.

Listed in the zip's `otter_config.json` as `convkit.platforms.otter.ConvkitPlugin`; otter imports it
in its own process, so convkit must be installed in the grading environment (the zip's requirements
install it from `files/convkit-src`). What it does at each event of `otter run` / Gradescope's
`run_autograder`:

- `before_grading`: removes the submission's `.OTTER_LOG`, a pickle that otter would otherwise
  unpickle in its own process (a `grader.export()` zip carries one; a forged one would run code
  there).
- `before_execution`: hands otter an empty notebook, so no student code runs in otter's kernel or
  process. The zip's own test files fail on an empty notebook: if this plugin did not run, every
  question scores 0.
- `after_grading`: grades the original submission file (the `.ipynb` or `.py` otter found, or the
  notebook otter extracted from a `grader.export()` zip) with convkit's engine, in its sandbox, and
  replaces otter's results with the engine's through otter's public result API: one test file per
  question id, one case per hidden check, and marks them as Markdown, which otter writes into
  results.json wherever it runs (Gradescope's run_autograder, a local `otter run`). A submission
  convkit cannot grade (the grader's fault) raises, so otter reports a failed autograder run with
  the reason, never a zero that looks like the student's.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
from otter.plugins import AbstractOtterPlugin
from otter.test_files import GradingResults
from otter.test_files.abstract_test import TestCase, TestCaseResult
from otter.test_files.ok_test import OKTestFile

if TYPE_CHECKING:
    from convkit.batch.run import Batch
    from convkit.results import SubmissionResult

SEED_VARIABLE = "CONVKIT_SEED"
"""Set it to grade with another seed than the course's, which `convkit build` writes into the zip's
plugin config."""


def empty_notebook() -> nbformat.NotebookNode:
    book = nbformat.v4.new_notebook()
    book.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    book.metadata["language_info"] = {"name": "python"}
    return book


class ConvkitPlugin(AbstractOtterPlugin):
    """Grade with convkit's engine; otter only runs an empty notebook and reports what the engine
    decided."""

    def __init__(self, submission_path: Any, submission_metadata: Any, plugin_config: Any) -> None:
        super().__init__(submission_path, submission_metadata, plugin_config or {})
        self.report = ""

    def during_generate(self, otter_config: Any, assignment: Any) -> None:
        """Nothing to do when the zip is built; defined so that generating checks the plugin
        imports."""

    def before_grading(self, ag_config: Any) -> None:
        if self.submission_path:
            log = Path(self.submission_path).parent / ".OTTER_LOG"
            if log.is_file() or log.is_symlink():
                log.unlink()
        ag_config.grade_from_log = False

    def before_execution(self, submission: Any) -> nbformat.NotebookNode:
        return empty_notebook()

    def after_grading(self, results: Any) -> None:
        from convkit.errors import GraderError

        batch = self.grade()
        [result] = batch.results
        if not result.gradable:
            print(f"convkit could not grade this submission: {result.problem}")
            raise GraderError(f"convkit could not grade this submission: {result.problem}")
        replace_results(results, result, batch.warning)
        self.report = results.output

    def generate_report(self) -> str:
        return self.report

    def grade(self) -> Batch:
        """The engine's grade of the submission file, in a sandbox of the configured backend."""
        from convkit.platforms.harness import grade_one

        seed = os.environ.get(SEED_VARIABLE)
        return grade_one(Path(self.submission_path), self.plugin_config, seed)


class QuestionFile(OKTestFile):
    """One question's results as otter holds them; its summary is convkit's own feedback for the
    question, so Gradescope shows what `convkit grade` writes."""

    feedback = ""

    def summary(self, public_only: bool = False) -> str:
        return self.feedback


class MarkdownResults(GradingResults):
    """otter's results, whose results.json tells Gradescope to render the feedback as Markdown
    (`reports.MARKDOWN`, as `convkit grade` writes it): otter has no setting for that, and
    serialises its results with this method."""

    def to_gradescope_dict(self, ag_config: Any) -> dict[str, Any]:
        from convkit.output.reports import MARKDOWN

        return {**super().to_gradescope_dict(ag_config), **MARKDOWN}


def replace_results(results: GradingResults, result: SubmissionResult, warning: str | None) -> None:
    """Make otter's results say exactly what the engine decided, in Markdown: one test file per
    question, one case per check."""
    from convkit.output.feedback import describe, question_markdown
    from convkit.output.reports import gradescope

    results.__class__ = MarkdownResults  # the very object otter holds and later serialises
    results.clear_results()
    for question in result.questions:
        cases, outcomes = [], []
        for check in question.checks:
            case = TestCase(
                name=f"{question.question}: {check.name}",
                body="",
                hidden=False,
                points=check.points,
                success_message=None,
                failure_message=None,
            )
            cases.append(case)
            message = "passed" if check.failure is None else describe(check.failure)
            outcomes.append(TestCaseResult(test_case=case, message=message, passed=check.passed))
        test_file = QuestionFile(
            question.question, f"tests/{question.question}.py", cases, all_or_nothing=False
        )
        test_file.test_case_results = outcomes
        test_file.feedback = question_markdown(question, result.partial)
        results.results[question.question] = test_file
        results.update_score(question.question, question.score)
    results.set_output(
        "\n".join(
            filter(None, [str(gradescope(result)["output"]), warning and f"Warning: {warning}."])
        )
    )
