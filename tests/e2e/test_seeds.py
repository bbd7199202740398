"""Verdicts that do not depend on the seed: every catalogued bug (of the three catalogs) and every
honest style gets the same verdict on every hidden check, so the same score on every question, under
eight seeds (the checks draw within behaviour classes, never across them).

The files are the kit's own, so they are graded in this process, without a sandbox, to keep the run
short. A catalog file is the correct base plus one bug, so only its bug's question is graded here;
the honest files cover every question.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from convkit.exercises.questions import QUESTION_IDS
from convkit.grading.engine import grade_in_process
from tests.conftest import CORPORA, expand

FILES = [
    *sorted((CORPORA / "catalog").glob("*.py")),
    *sorted((CORPORA / "catalog2").glob("*.py")),
    *sorted((CORPORA / "catalog3").glob("*.py")),
]
FILES += sorted(p for p in (CORPORA / "honest").iterdir() if p.suffix in (".py", ".ipynb"))
SEEDS = [*range(7), 2**40 + 9]


def verdicts(path: Path, seed: int) -> dict[str, bool]:
    graded = (path.stem.split("__", 1)[0],) if "__" in path.stem else QUESTION_IDS
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        questions = grade_in_process(path, seed, graded, explain=False)
    return {
        f"{check.question} / {check.name}": check.passed
        for question in questions
        for check in question.checks
    }


@pytest.mark.slow
@pytest.mark.parametrize("source", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_verdicts_do_not_depend_on_the_seed(source: Path, tmp_path: Path) -> None:
    path = expand(source, tmp_path)
    first = verdicts(path, SEEDS[0])
    for seed in SEEDS[1:]:
        differ = {
            name: (first[name], passed)
            for name, passed in verdicts(path, seed).items()
            if passed != first[name]
        }
        assert not differ, f"{source.name}: seed {SEEDS[0]} and seed {seed} disagree on {differ}"
