"""An otter-grader 7 plugin that makes convkit's sandboxed engine the judge of an otter autograder zip.

Listed in the zip's `otter_config.json` as `convkit.otter_plugin.ConvkitPlugin`; otter imports it in its own
process, so convkit must be installed in the grading environment (the zip's requirements install it from
`files/convkit-src`). What it does at each event of `otter run` / Gradescope's `run_autograder`:

- `before_grading`: removes the submission's `.OTTER_LOG`, a pickle that otter would otherwise unpickle in its
  own process (a `grader.export()` zip carries one; a forged one would run code there).
- `before_execution`: hands otter an empty notebook, so no student code runs in otter's kernel or process.
  The zip's own test files fail on an empty notebook: if this plugin did not run, every question scores 0.
- `after_grading`: grades the original submission file (the `.ipynb` or `.py` otter found, or the notebook
  otter extracted from a `grader.export()` zip) with convkit's engine, in its sandbox, and replaces otter's
  results with the engine's: one test file per question id, one case per hidden check, the engine's scores
  and feedback. Any failure of the engine sets every question to 0 with the reason; it never passes.
"""

from __future__ import annotations

import os
import secrets
import traceback
from pathlib import Path
from typing import Any

import nbformat
from otter.plugins import AbstractOtterPlugin
from otter.test_files.abstract_test import TestCase, TestCaseResult
from otter.test_files.ok_test import OKTestFile

SEED_VARIABLE = "CONVKIT_SEED"
"""Set it to replay a grading run's inputs (the seed is printed in the output); by default each run draws one."""


def empty_notebook() -> nbformat.NotebookNode:
    book = nbformat.v4.new_notebook()
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    book.metadata["language_info"] = {"name": "python"}
    return book


class ConvkitPlugin(AbstractOtterPlugin):
    """Grade with convkit's engine; otter only runs an empty notebook and reports what the engine decided."""

    def __init__(self, submission_path: Any, submission_metadata: Any, plugin_config: Any) -> None:
        super().__init__(submission_path, submission_metadata, plugin_config or {})
        self.report = ""

    def during_generate(self, otter_config: Any, assignment: Any) -> None:
        """Nothing to do when the zip is built; defined so that generating checks the plugin imports."""

    def before_grading(self, ag_config: Any) -> None:
        if self.submission_path:
            log = Path(self.submission_path).parent / ".OTTER_LOG"
            if log.is_file() or log.is_symlink():
                log.unlink()
        ag_config.grade_from_log = False

    def before_execution(self, submission: Any) -> nbformat.NotebookNode:
        return empty_notebook()

    def after_grading(self, results: Any) -> None:
        try:
            outcome = self.grade()
        except BaseException as error:  # noqa: BLE001 - a broken engine must give 0, not otter's placeholders
            reason = f"convkit could not grade this submission ({type(error).__name__}: {error})"
            traceback.print_exc()
            replace_results(results, None, reason)
            self.report = reason
            return
        replace_results(results, outcome, None)
        self.report = outcome["output"]

    def generate_report(self) -> str:
        return self.report

    def grade(self) -> dict[str, Any]:
        """The engine's Gradescope dictionary (`convkit.reports.gradescope`) for the submission file."""
        from .backends import choose
        from .batch import grade_batch
        from .config import GradingConfig
        from .engine import SandboxError
        from .reports import gradescope

        requested = str(self.plugin_config.get("backend", "auto"))
        backend = choose(requested)
        notes = []
        settings = {k: v for k, v in self.plugin_config.items() if k in GradingConfig.__dataclass_fields__}
        config = GradingConfig(**{"jobs": 1, **settings})
        seed = int(os.environ[SEED_VARIABLE]) if os.environ.get(SEED_VARIABLE) else secrets.randbits(62)
        paths = [Path(self.submission_path)]
        try:
            [result] = grade_batch(paths, config, backend, seed, progress=False)
        except SandboxError as error:
            if backend.name != "bwrap" or requested != "auto":
                raise
            notes.append(f"bubblewrap is installed but does not start here ({error}); graded with the plain sandbox")
            backend = choose("plain")
            [result] = grade_batch(paths, config, backend, seed, progress=False)
        outcome = gradescope(result)
        notes.append(f"Graded by convkit ({backend.name} sandbox, seed {seed}).")
        outcome["output"] = "\n".join(filter(None, [str(outcome.get("output") or ""), *notes]))
        outcome["checks"] = {
            q.question: [(c.check.name, c.check.points, c.passed, c.message) for c in q.checks] for q in result.questions
        }
        return outcome


def replace_results(results: Any, outcome: dict[str, Any] | None, failure: str | None) -> None:
    """Make otter's results say exactly what the engine decided (or 0 everywhere with `failure`)."""
    from .checks import all_points
    from .questions import QUESTION_IDS

    points = all_points()
    tests = {t["name"]: t for t in (outcome or {}).get("tests", [])}
    checks = (outcome or {}).get("checks", {})
    results._catastrophic_error = None
    results.results = {}
    for question in QUESTION_IDS:
        cases, case_results = [], []
        for name, worth, passed, message in checks.get(question, []):
            case = TestCase(name=f"{question}: {name}", body="", hidden=False, points=worth, success_message=None, failure_message=None)
            cases.append(case)
            case_results.append(TestCaseResult(test_case=case, message="passed" if passed else message, passed=passed))
        if not cases:  # the engine gave nothing for this question: one failed case worth all its points
            why = failure or tests.get(question, {}).get("output") or "not graded"
            case = TestCase(name=question, body="", hidden=False, points=points[question], success_message=None, failure_message=None)
            cases, case_results = [case], [TestCaseResult(test_case=case, message=why, passed=False)]
        test_file = OKTestFile(question, f"tests/{question}.py", cases, all_or_nothing=False)
        test_file.test_case_results = case_results
        if question in tests and failure is None:
            test_file.update_score(tests[question]["score"])
        results.results[question] = test_file
    results.set_output(failure or str((outcome or {}).get("output") or ""))
