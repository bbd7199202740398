"""Student-controlled text in every output: an exception message and printed text with terminal
escapes, HTML, a javascript: link and a fake table row; a file named like a spreadsheet formula; a
Gradescope submitter named like both. No output holds a raw control character, an unescaped `<` from
student text, or a CSV cell that a spreadsheet would evaluate; the HTML report runs no script of
theirs."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import CORPORA, REFERENCE, expand

ATTACKS = CORPORA / "attacks"
NAME = '=HYPERLINK("x";"y")+cmd'
SUBMITTER = "=cmd|'/c calc'!A1 <script>alert(1)</script> \x1b[31m"
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]")
HOSTILE_TAG = re.compile(r"(?<!\\)<(img|script)")
LIVE_LINK = re.compile(r"(?<!\\)\]\(javascript:")

GRADERS_WORDS = "not graded: the grader's fault, not the submission's; your instructor will regrade"
IMITATION = f"""

class SandboxError(Exception):
    pass


def corr2d(X, K):
    raise SandboxError("{GRADERS_WORDS}")
"""

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("injection")
    export = root / "export"
    for number, attack in enumerate(("injection_in_exception.py", "injection_in_print.py")):
        folder = export / f"submission_{number}"
        folder.mkdir(parents=True)
        shutil.copy(expand(ATTACKS / attack, root), folder / "convolutions.py")
    imitation = export / "submission_2"
    imitation.mkdir()
    (imitation / "convolutions.py").write_text(REFERENCE.read_text() + IMITATION)
    named = export / "submission_9"
    named.mkdir()
    shutil.copy(REFERENCE, named / f"{NAME}.py")
    submitter = {":submitters": [{":name": SUBMITTER, ":sid": "=1+1", ":email": "@x"}]}
    people = {f"submission_{n}": submitter for n in (0, 1, 2, 9)}
    (export / "submission_metadata.yml").write_text(yaml.safe_dump(people))
    done = subprocess.run(
        [sys.executable, "-m", "convkit.cli", "grade", str(export), "--out", str(root / "out"),
         "--seed", "1", "--backend", "plain"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not RAW_CONTROL.search(done.stdout + done.stderr)
    return root / "out"


def texts(out: Path) -> dict[str, str]:
    """Every text output, JSON decoded (a JSON escape is still a raw character once Gradescope shows
    it)."""
    found = {}
    for path in sorted(out.rglob("*")):
        if path.suffix in (".md", ".csv", ".html"):
            found[str(path.relative_to(out))] = path.read_text()
        elif path.suffix == ".json":
            found[str(path.relative_to(out))] = (
                json.dumps(json.loads(path.read_text()), ensure_ascii=False)
                .encode()
                .decode("unicode_escape")
            )
    return found


def test_no_output_holds_a_raw_control_character_or_a_live_tag(out: Path) -> None:
    found = texts(out)
    assert len(found) >= 9
    for name, text in found.items():
        assert not RAW_CONTROL.search(text.replace("\\u001b", "")), name
        if not name.endswith(".html"):
            assert not HOSTILE_TAG.search(text), f"{name}: {HOSTILE_TAG.search(text)}"
            assert not LIVE_LINK.search(text), name
    page = found["report.html"]
    assert "<img src=x" not in page and "<script>alert" not in page and page.count("<script>") == 1
    feedback = json.loads((out / "submission_0__convolutions.py" / "results.json").read_text())[
        "tests"
    ][0]["output"]
    assert "\\x1b[2J" in feedback and "\\<img src=x onerror=alert(1)>" in feedback
    assert "\n| corr2d |" not in feedback


def test_no_csv_cell_starts_a_formula(out: Path) -> None:
    rows = list(csv.reader((out / "grades.csv").open()))
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    names = {row[0] for row in rows[1:]}
    assert f"submission_9/{NAME}.py" in {name.lstrip("'") for name in names}
    assert {row[3] for row in rows[1:]} == {"'@x"}


def test_the_printing_submission_loses_nothing(out: Path) -> None:
    rows = {row["submission"]: row for row in csv.DictReader((out / "grades.csv").open())}
    assert (
        rows["submission_1/convolutions.py"]["total"] == "35"
        and rows["submission_0/convolutions.py"]["corr2d"] == "0"
    )


def test_an_exception_that_imitates_the_grader_reads_as_the_students_words(out: Path) -> None:
    """Wherever the student's exception is told (feedback.md, results.json, the report), its words
    are quoted after "your code raised", never free-standing as the grader's."""
    folder = out / "submission_2__convolutions.py"
    results = json.loads((folder / "results.json").read_text())
    told = f"your code raised “SandboxError: {GRADERS_WORDS}”"
    feedback, report = (folder / "feedback.md").read_text(), (out / "report.md").read_text()
    for text in (results["tests"][0]["output"], feedback, report):
        # a long line is wrapped: its quote is whole once joined back
        joined = " ".join(text.split())
        assert joined.count("the grader's fault") == joined.count(told) > 0, text
    assert results["score"] == 29 and "raised SandboxError" in report
