"""Reading submissions: broken ones get a clear reason, notebooks lose only magics, nothing else is lost."""

from __future__ import annotations

import zipfile
from pathlib import Path

import nbformat
import pytest

from convkit.judge.jobs import read_job
from convkit.judge.submissions import Submission


def load(path: Path) -> Submission:
    return read_job(0, path).submission()


def notebook(*sources: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# title")] + [nbformat.v4.new_code_cell(s) for s in sources]
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
def test_broken_submissions_get_a_one_line_reason(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    submission = load(path)
    assert submission.error is not None and reason in submission.error and "\n" not in submission.error


def test_notebook_magics_and_shell_lines_are_dropped_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    path.write_text(notebook("%matplotlib inline\nimport torch", "!pip install d2l", "%%time\nx = 1", "def f():\n    return 1"))
    submission = load(path)
    assert submission.error is None
    assert submission.cells == ["\nimport torch", "", "def f():\n    return 1"]
    assert submission.labels == ["cell 2", "cell 3", "cell 5"]
    assert submission.notes == ["3 IPython magic or shell line(s) were dropped; they do not run when grading"]


def test_python_file_splits_into_statements_keeping_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "sub.py"
    path.write_text("import torch\n\n@staticmethod\ndef f():\n    return 1\nwhile True:\n    pass\n")
    cells = load(path).cells
    assert len(cells) == 3 and cells[1].startswith("\n\n@staticmethod") and cells[2] == "\n" * 5 + "while True:\n    pass"


def test_a_syntax_error_grades_the_statements_above_it_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "sub.py"
    path.write_text(
        "import torch\n\ndef fine():\n    return [\n        2,\n    ]\nx = 1\n\ndef broken(:\n    pass\n\ndef later():\n    return 3\n"
    )
    submission = load(path)
    assert submission.error is None and submission.labels == ["line 1", "line 3", "line 7"]
    assert submission.partial == "line 9: SyntaxError: invalid syntax; the functions above that line were graded"


def test_a_syntax_error_on_the_first_statement_leaves_nothing_to_grade(tmp_path: Path) -> None:
    path = tmp_path / "sub.py"
    path.write_text("def broken(:\n    pass\n\ndef fine():\n    return 2\n")
    assert load(path).error == "line 1: SyntaxError: invalid syntax; there is no code above it to grade"


def test_export_zip_is_read_for_its_notebook(tmp_path: Path) -> None:
    path = tmp_path / "convolutions_2026_11_22T10_00_00_000000.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("convolutions.ipynb", notebook("x = 1"))
        archive.writestr(".OTTER_LOG", b"\x80binary")
        archive.writestr("__zip_filename__", "x")
    submission = load(path)
    assert submission.error is None and submission.cells == ["x = 1"] and submission.name == path.name


def test_zip_with_two_notebooks_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.ipynb", notebook("x = 1"))
        archive.writestr("b.ipynb", notebook("x = 2"))
    assert "holds 2 .ipynb files" in str(load(path).error)
