"""The from-scratch policy: found by reading the code (aliases, helpers, lambdas, getattr), configured in one
validated file, reported in feedback, and costing points only when the instructor says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from convkit.assignment_config import AssignmentConfig, ConfigError, FromScratch, load
from convkit.config import GradingConfig
from convkit.feedback import question_markdown
from convkit.judge.backends import choose
from convkit.judge.batch import grade_batch
from convkit.judge.policy import violations
from convkit.judge.submissions import parse
from convkit.questions import BY_ID

from .conftest import REFERENCE

HERE = Path(__file__).resolve().parent
FORBID = {"corr2d": ("conv2d", "Conv2d"), "pool2d": ("max_pool2d",)}
SYMBOLS = {question: BY_ID[question].symbol for question in FORBID}


def found(*cells: str) -> list[str]:
    """The findings on a notebook of these code cells (numbered from 1)."""
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    submission = parse("nb.ipynb", nbformat.writes(book).encode())
    return [str(v) for v in violations(submission.definitions, FORBID, SYMBOLS)]


@pytest.mark.parametrize(
    "cells, expected",
    [
        (
            ("import torch.nn.functional as F\ndef corr2d(X, K):\n    return F.conv2d(X[None, None], K[None, None])[0, 0]",),
            "`corr2d` calls `F.conv2d` (cell 1, line 3)",
        ),
        (
            (
                "from torch.nn.functional import conv2d as c",
                "def helper(X, K):\n    return c(X, K)",
                "def corr2d(X, K):\n    return helper(X, K)",
            ),
            "`corr2d` calls `c` (cell 2, line 2)",
        ),  # fmt: skip
        (("import torch\ncorr2d = lambda X, K: torch.nn.functional.conv2d(X, K)",), "`corr2d` calls `torch.nn.functional.conv2d`"),
        (("import torch\ndef corr2d(X, K):\n    return getattr(torch.nn.functional, 'conv2d')(X, K)",), "`corr2d` calls `'conv2d'`"),
        (
            ("import torch\nf = torch.nn.functional.max_pool2d\ndef pool2d(X, pool_size, mode='max'):\n    return f(X)",),
            "`pool2d` calls `f`",
        ),
    ],
)
def test_forbidden_calls_are_found_through_aliases_and_helpers(cells: tuple[str, ...], expected: str) -> None:
    [said] = found(*cells)
    assert said.startswith(expected) and said.endswith("this exercise asks you to write it from scratch")


def test_code_written_from_scratch_and_other_answers_are_not_blamed() -> None:
    assert found(REFERENCE.read_text()) == []
    # corr2d_multi_in may call the student's own corr2d: only corr2d is blamed for what corr2d does.
    cells = (
        "import torch.nn.functional as F\ndef corr2d(X, K):\n    return F.conv2d(X, K)",
        "def pool2d(X, p, mode='max'):\n    return corr2d(X, X)",
    )
    assert found(*cells) == ["`corr2d` calls `F.conv2d` (cell 1, line 3); this exercise asks you to write it from scratch"]
    broken = "import torch.nn.functional as F\ndef corr2d(X, K):\n    return F.conv2d(X, K)\nx = ("
    assert found("x = 1", broken) == []  # a cell that does not parse runs none of its code


def test_findings_name_the_line_of_a_python_file_and_of_a_notebook_cell() -> None:
    header = "import torch.nn.functional as F\n\nx = 1\n\n"
    helper = "def helper(X, K):\n    y = 2\n    return F.conv2d(X, K)\n\n\n"
    answer = "def corr2d(X, K):\n    return helper(X, K)\n"
    definitions = parse("sub.py", (header + helper + answer).encode()).definitions
    [said] = [str(v) for v in violations(definitions, FORBID, SYMBOLS)]
    assert said.startswith("`corr2d` calls `F.conv2d` (line 7);")
    [said] = found(header, "x = 2\n" + helper + answer)
    assert said.startswith("`corr2d` calls `F.conv2d` (cell 2, line 4);")


def write(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "convkit.toml").write_text(text)
    return folder


def test_the_assignment_config_is_validated_with_one_line_errors(tmp_path: Path) -> None:
    assert load().from_scratch is FromScratch.FEEDBACK and "corr2d" in load().forbid
    assert load(write(tmp_path / "ok", '[from_scratch]\nmode = "zero"\n')).from_scratch is FromScratch.ZERO
    bad = {
        '[from_scratch]\nmode = "strict"\n': "from_scratch mode must be one of 'off', 'feedback', 'zero'",
        '[from_scratch.forbid]\ncorr = ["conv2d"]\n': "names 'corr', which is not a question",
        '[from_scratch.forbid]\ncorr2d = "conv2d"\n': "corr2d must be a list of names",
        "[gradescope]\nshow_hidden = 1\n": "show_hidden must be true or false",
        "[grading]\n": "unknown table [grading]",
        "[gradescope]\nshow = true\n": "unknown key 'show' in [gradescope]",
        "[gradescope\n": "is not valid TOML",
    }
    for number, (text, said) in enumerate(bad.items()):
        with pytest.raises(ConfigError) as error:
            load(write(tmp_path / str(number), text))
        assert said in str(error.value) and "convkit.toml" in str(error.value) and "\n" not in str(error.value)


def test_the_prairielearn_image_is_the_courses_choice(tmp_path: Path) -> None:
    from convkit.assignment_config import DEFAULT_IMAGE, grader_image

    assert grader_image() == DEFAULT_IMAGE
    chosen = write(tmp_path / "ok", '[prairielearn]\nimage = "ada/convkit-grader:2026"\n')
    assert grader_image(chosen) == "ada/convkit-grader:2026" and load(chosen).show_hidden
    with pytest.raises(ConfigError, match=r"\[prairielearn\] image must name a Docker .*'My I"):
        grader_image(write(tmp_path / "bad", '[prairielearn]\nimage = "My Image"\n'))


def test_a_bad_config_stops_convkit_grade_with_one_line(tmp_path: Path) -> None:
    course = write(tmp_path / "course", '[from_scratch]\nmode = "strict"\n')
    done = subprocess.run(
        [sys.executable, "-m", "convkit.cli", "grade", str(REFERENCE), "--out", str(tmp_path / "out"), "--course", str(course)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "from_scratch mode must be one of" in done.stderr


@pytest.mark.parametrize("mode", [FromScratch.FEEDBACK, FromScratch.ZERO, FromScratch.OFF])
def test_the_policy_is_reported_and_costs_points_only_in_zero_mode(mode: FromScratch) -> None:
    submission = HERE / "honest" / "fconv2d_optim_sgd.py"  # correct, but corr2d calls F.conv2d
    assignment = AssignmentConfig(from_scratch=mode, forbid={"corr2d": ("conv2d",)})
    [result] = grade_batch([submission], GradingConfig(jobs=1), choose("plain"), 3, assignment, progress=False).results
    corr2d = result.questions[0]
    assert all(check.passed for question in result.questions for check in question.checks)
    assert all(question.scratch is None for question in result.questions[1:])
    if mode is FromScratch.OFF:
        assert corr2d.scratch is None and result.total == result.max_total
        return
    assert corr2d.scratch == "`corr2d` calls `F.conv2d` (line 10); this exercise asks you to write it from scratch"
    text = question_markdown(corr2d)
    if mode is FromScratch.ZERO:
        assert corr2d.score == 0 and result.total == result.max_total - corr2d.max_score
        assert "**Not from scratch:** `corr2d` calls `F.conv2d` (line 10)" in text
        assert "so this question scores 0." in text
    else:
        assert result.total == result.max_total and "no points were taken off for it." in text
