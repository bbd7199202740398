"""`python -m convkit.platforms.prairielearn [GRADE]`: grade a PrairieLearn job, as root in its
container.

The question's tests/run.sh runs it after `convkit.platforms.lockdown`. It grades the file
GRADE/student/convolutions.py (GRADE is /grade) with the settings `convkit build` wrote into
GRADE/tests, by convkit's engine in its sandbox (`auto`: landlock in a container), as `convkit
grade` and Gradescope grade it, and writes GRADE/results/results.json in PrairieLearn's format
(`convkit.output.reports.prairielearn`). Whatever fails in the grader, the results say why,
`gradable: false` (no points, no attempt used), and it exits 0: PrairieLearn reads the results only
then.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

from convkit.exercises.questions import ASSIGNMENT

GRADE = "/grade"
SETTINGS = "convkit.json"
"""The grader's settings in the question's tests/ folder (`convkit.platforms.harness.settings`)."""


def graded(root: Path) -> dict[str, object]:
    """The results of the job in `root`."""
    from convkit.output.reports import prairielearn, prairielearn_ungradable
    from convkit.platforms.harness import grade_one

    submitted = root / "student" / f"{ASSIGNMENT}.py"
    if not submitted.is_file():
        return prairielearn_ungradable(
            f"no {submitted.name} was handed in (the question's editor names it)"
        )
    batch = grade_one(submitted, json.loads((root / "tests" / SETTINGS).read_text()))
    [result] = batch.results
    return prairielearn(result, batch.warning)


def main(argv: list[str]) -> int:
    root = Path(argv[0] if argv else GRADE)
    results = root / "results"
    results.mkdir(exist_ok=True)
    try:
        data = graded(root)
    except Exception as error:  # noqa: BLE001 - the grader's fault, whatever it is, is never a zero
        traceback.print_exc()  # the job's log, for the instructor
        from convkit.output.reports import prairielearn_ungradable

        data = prairielearn_ungradable(f"the grader failed: {type(error).__name__}: {error}")
    written = results / "results.json.part"
    written.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(written, results / "results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
