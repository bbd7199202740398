"""Reading submissions: broken ones get a clear reason, notebooks lose only magics, nothing else is
lost, the judge's work grows with a submission's size and no faster, and a syntax error costs only
what it keeps from running, said as such."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import nbformat
import pytest

from convkit.batch.jobs import read_job
from convkit.batch.run import grade_batch
from convkit.exercises.questions import QUESTION_IDS
from convkit.grading.submissions import MAX_CODE, Cell, Submission
from convkit.results import GradeStatus, SubmissionResult
from convkit.sandbox.backends import choose
from convkit.sandbox.session import code_frame
from convkit.settings.limits import GradingConfig
from convkit.settings.run import GradingRun
from convkit.worker.protocol import MAX_FRAME_BYTES
from tests.conftest import REFERENCE


def load(path: Path) -> Submission:
    return read_job(0, path).submission()


def notebook(*sources: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# title")] + [
        nbformat.v4.new_code_cell(s) for s in sources
    ]
    return nbformat.writes(nb)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.py", b"", "the file is empty"),
        ("blank.ipynb", b"  \n", "the file is empty"),
        ("binary.py", bytes(range(256)), "binary file"),
        ("latin1.py", "x = 'é'".encode("latin-1"), "not UTF-8"),
        ("broken.ipynb", b'{"cells": [', "not a valid notebook"),
        ("notzip.zip", b"PK nonsense", "not a valid zip"),
        ("comments.py", b"# nothing here\n", "no code"),
    ],
)
def test_broken_submissions_get_a_one_line_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    submission = load(path)
    assert (
        submission.error is not None and reason in submission.error and "\n" not in submission.error
    )


def test_notebook_magics_and_shell_lines_are_dropped_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_text(
        notebook(
            "%matplotlib inline\nimport torch",
            "!pip install d2l",
            "%%time\nx = 1",
            "def f():\n    return 1",
        )
    )
    submission = load(path)
    assert submission.error is None and submission.file is None
    # cell 3 has no code left
    assert submission.cells == [Cell("\nimport torch", 2), Cell("def f():\n    return 1", 5)]
    assert [submission.label(index) for index in range(2)] == ["cell 2", "cell 5"]
    assert submission.notes == [
        "3 IPython magic or shell line(s) were dropped; they do not run when grading"
    ]


def test_python_file_splits_into_statements_each_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "sub.py"
    path.write_text(
        "import torch\n\n@staticmethod\ndef f():\n    return 1\nwhile True:\n    pass\n"
    )
    submission = load(path)
    assert submission.file == "sub.py" and [cell.place for cell in submission.cells] == [1, 3, 6]
    assert submission.cells[1].source == "@staticmethod\ndef f():\n    return 1\n"
    assert submission.cells[2].source == "while True:\n    pass\n"  # no padding: it is line 6 on
    assert submission.label(2) == "line 6"


def test_literal_statements_share_a_cell_and_others_do_not(tmp_path: Path) -> None:
    path = tmp_path / "sub.py"
    path.write_text('x = 1\ny = (2, -3.5)\n"""doc"""\nprint(x)\nz = 0; w = abs(z)\n')
    path.write_text(path.read_text() + "v = [None, ...]\npass\nimport os\n")
    assert [cell.place for cell in load(path).cells] == [1, 4, 5, 6, 8]


def test_forty_thousand_statements_make_few_cells_that_hold_all_of_them(tmp_path: Path) -> None:
    path = tmp_path / "sub.py"
    literals = "0\n" * 20_000 + "x = 0  # literal\n" * 20_000
    path.write_text("import torch\n" + literals + "def f():\n    return 1\n")
    cells = load(path).cells
    assert cells[0].place == 1 and cells[-1] == Cell("def f():\n    return 1\n", 40_002)
    assert len(cells) < 20
    assert "".join(cell.source for cell in cells) == path.read_text()


# the notebook's code is on one line, so that its file is under 2 MiB
@pytest.mark.parametrize(("name", "line"), [("big.py", "0\n"), ("big.ipynb", "0;")])
def test_code_over_the_limit_is_refused_in_one_line(tmp_path: Path, name: str, line: str) -> None:
    code = line * (MAX_CODE // 2 + 1)
    path = tmp_path / name
    path.write_text(code if name.endswith(".py") else notebook(code))
    assert load(path).error == f"its code is {MAX_CODE + 2:,} bytes, over the 1 MiB that is graded"


@pytest.mark.slow
@pytest.mark.parametrize("line", ["a\n", "'\x01'\n"])  # the most statements; the longest escapes
def test_the_most_code_fits_one_load_frame(tmp_path: Path, line: str) -> None:
    path = tmp_path / "sub.py"
    path.write_text(line * (MAX_CODE // len(line)))
    frame = json.dumps(
        {**code_frame(load(path)), "seq": 1, "skip": [], "each": True}, separators=(",", ":")
    )
    assert len(frame) < MAX_FRAME_BYTES


def test_a_syntax_error_grades_the_statements_above_it_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "sub.py"
    above = "import torch\n\ndef fine():\n    return [\n        2,\n    ]\nx = 1\n\n"
    path.write_text(above + "def broken(:\n    pass\n\ndef later():\n    return 3\n")
    submission = load(path)
    assert submission.error is None and [cell.place for cell in submission.cells] == [1, 3, 7]
    assert submission.cells[-1].source == "x = 1\n\n"  # they end where the broken statement starts
    graded = "the functions above that line were graded"
    assert submission.partial == f"line 9: SyntaxError: invalid syntax; {graded}"
    assert submission.unreached == {"broken": "line 9", "later": "line 9"}


def test_a_syntax_error_on_the_first_statement_leaves_nothing_to_grade(tmp_path: Path) -> None:
    path = tmp_path / "sub.py"
    path.write_text("def broken(:\n    pass\n\ndef fine():\n    return 2\n")
    nothing = "there is no code above it to grade"
    assert load(path).error == f"line 1: SyntaxError: invalid syntax; {nothing}"


def test_a_notebook_cell_with_a_syntax_error_is_left_out_and_named(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    broken = "def f(:\n    pass\nclass G:\n    pass"
    path.write_text(notebook("import torch", broken, "x = 1", "def h()\n    pass"))
    submission = load(path)
    assert [cell.place for cell in submission.cells] == [2, 4]
    others = "cells 3 and 5 have syntax errors and were not run, the other cells were graded"
    assert submission.partial == f"cell 3, line 1: SyntaxError: invalid syntax; {others}"
    assert submission.unreached == {"f": "cell 3", "G": "cell 3", "h": "cell 5"}
    path.write_text(notebook("def f(:\n    pass"))
    nothing = "there is no other code to grade"
    assert load(path).error == f"cell 2, line 1: SyntaxError: invalid syntax; {nothing}"


def test_export_zip_is_read_for_its_notebook(tmp_path: Path) -> None:
    path = tmp_path / "convolutions_2026_11_22T10_00_00_000000.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("convolutions.ipynb", notebook("x = 1"))
        archive.writestr(".OTTER_LOG", b"\x80binary")
        archive.writestr("__zip_filename__", "x")
    submission = load(path)
    assert submission.error is None and submission.name == path.name
    assert submission.cells == [Cell("x = 1", 2)]


def test_zip_with_two_notebooks_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.ipynb", notebook("x = 1"))
        archive.writestr("b.ipynb", notebook("x = 2"))
    assert "holds 2 .ipynb files" in str(load(path).error)


CONFIG = GradingConfig(jobs=2, call_timeout=10, cell_timeout=10, submission_timeout=120)
REFERENCE_TEXT = REFERENCE.read_text()
FIRST = REFERENCE_TEXT.split("class Conv2D")[0]
"""The reference's imports and corr2d, and nothing of the other answers."""
POOL = "def pool2d(X, pool_size, mode='max'):"
POOL_LINE = REFERENCE_TEXT.splitlines().index(POOL) + 1
ABOVE = "the functions above that line were graded"


def reference_notebook() -> str:
    """The reference as a notebook of one cell per function (after a text cell and one of
    imports), pool2d's broken, then a cell that Python compiles only to refuse and one that
    raises."""
    first, *functions = REFERENCE_TEXT.split("\ndef ")
    parts = [first, *("def " + part for part in functions)]
    return notebook(*(part.replace(POOL, POOL[:-1]) for part in parts), "x = 1\nreturn x", "1 / 0")


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SubmissionResult]:
    folder = tmp_path_factory.mktemp("submissions")
    files = {
        "many.py": FIRST + "".join("0\n" if index % 2 else "abs(0)\n" for index in range(40_000)),
        "dave.py": REFERENCE_TEXT.replace(POOL, POOL[:-1]),
        "lines.py": REFERENCE_TEXT + "\nreturn 1\n",
        "nb.ipynb": reference_notebook(),
        "big.py": "0\n" * (MAX_CODE // 2 + 1),
    }
    for name, text in files.items():
        (folder / name).write_text(text)
    batch = grade_batch(
        sorted(folder.iterdir()), GradingRun(CONFIG, 5), choose("auto"), progress=False
    )
    return {result.name: result for result in batch.results}


pytestmark = pytest.mark.xdist_group("submissions")  # one module-scoped batch for the graded tests
Graded = dict[str, SubmissionResult]


def failures(result: SubmissionResult, question: str) -> set[str]:
    checks = result.questions[QUESTION_IDS.index(question)].checks
    return {check.failure.detail for check in checks if check.failure}


def test_forty_thousand_statements_are_graded_on_what_they_hold(graded: Graded) -> None:
    result = graded["many.py"]
    corr2d = result.questions[0]
    assert result.status is GradeStatus.GRADED and corr2d.score == corr2d.max_score
    assert result.total == corr2d.score and result.notes == ()
    missing = "`pool2d` is not defined: define it with exactly this name"
    assert failures(result, "pool2d") == {missing}


def test_a_file_over_the_limit_gets_zero_with_its_reason(graded: Graded) -> None:
    result = graded["big.py"]
    assert result.status is GradeStatus.GRADED and result.total == 0
    assert result.load_error == f"its code is {MAX_CODE + 2:,} bytes, over the 1 MiB that is graded"


def test_what_a_syntax_error_keeps_from_running_is_not_graded_rather_than_undefined(
    graded: Graded,
) -> None:
    result = graded["dave.py"]
    assert result.partial == f"line {POOL_LINE}: SyntaxError: expected ':'; {ABOVE}"
    assert result.total == result.max_total - result.questions[-1].max_score
    assert failures(result, "pool2d") == {f"not graded: line {POOL_LINE} has a syntax error"}


def test_a_notebook_names_each_cell_by_one_number_everywhere(graded: Graded) -> None:
    result = graded["nb.ipynb"]
    pool = len(REFERENCE_TEXT.split("\ndef ")) + 1  # the text cell, then the reference's parts
    others = "that cell was not run, the other cells were graded"
    assert result.partial == f"cell {pool}, line 1: SyntaxError: expected ':'; {others}"
    assert failures(result, "pool2d") == {f"not graded: cell {pool} has a syntax error"}
    assert result.total == result.max_total - result.questions[-1].max_score
    refused = "SyntaxError: 'return' outside function"
    assert result.notes == (
        f"cell {pool + 1}: your code raised “{refused} (<cell {pool + 1}>, line 2)”",
        f"cell {pool + 2}: your code raised “ZeroDivisionError: division by zero”",
    )


def test_a_python_files_statements_keep_the_files_line_numbers(graded: Graded) -> None:
    line = len(REFERENCE_TEXT.splitlines()) + 2
    result = graded["lines.py"]
    refused = "SyntaxError: 'return' outside function"
    assert result.notes == (f"line {line}: your code raised “{refused} (lines.py, line {line})”",)
    assert result.total == result.max_total
