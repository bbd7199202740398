"""report.html in a real headless browser (Chromium driven by Playwright): it loads with no console error and
no request leaving the file, its tables are there and sort, a click opens a student's feedback; a screenshot is
kept in tests/artifacts/ (CI uploads it)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from convkit.judge.backends import Backend
from convkit.judge.batch import Batch
from convkit.judge.collect import Skipped
from convkit.judge.results import CheckResult, Failure, QuestionResult, Student, SubmissionResult
from convkit.questions import QUESTION_IDS
from convkit.report_html import SORT_SCRIPT, script_hash
from convkit.reports import write_all

CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None)
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FLIPPED = "the kernel is flipped, which is convolution, not cross-correlation"
INJECT = "\x1b[31m<img src=x onerror=alert(1)><script>alert(2)</script>[x](javascript:alert(3))"


def result(index: int, name: str, student: Student, failing: dict[str, Failure]) -> SubmissionResult:
    questions = tuple(
        QuestionResult(q, (CheckResult(q, "book example", 2.0, failing.get(q)), CheckResult(q, "random shapes", 1.0))) for q in QUESTION_IDS
    )
    return SubmissionResult(name, questions, seed=7, backend="plain", isolation="namespace+uid", student=student)


def batch() -> Batch:
    flipped = Failure("wrong values", "first wrong at [0, 0]: expected 19, got 5", bug=FLIPPED)
    results = [
        result(0, "submission_1/convolutions.ipynb", Student("Ada Lovelace", "S001", "ada@uni.edu"), {"corr2d": flipped}),
        result(1, "submission_2/convolutions.py", Student("Alan Turing", "S002", "alan@uni.edu"), {}),
        result(2, "submission_3/convolutions.py", Student("Grace Hopper", "S003", "grace@uni.edu"), {"corr2d": flipped, "pool2d": flipped}),
        result(3, f"submission_4/{INJECT}.py", Student(INJECT, INJECT, INJECT), {"conv1x1": Failure("raised", f"raised {INJECT}")}),
    ]
    return Batch(results, Backend("plain"), None)


def test_the_csp_allows_exactly_the_sort_script(tmp_path: Path) -> None:
    write_all(batch(), tmp_path, 7, [Skipped("submission_4", "no .py, .ipynb or .zip file in this submission's folder")])
    page = (tmp_path / "report.html").read_text()
    assert f"script-src '{script_hash()}'" in page and f"<script>{SORT_SCRIPT}</script>" in page
    assert page.count("<script") == 1 and "http://" not in page and "https://" not in page
    assert "Ada Lovelace" in page and "submission_4" in page


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (setup.sh installs it: apt-get install -y chromium)")
def test_the_report_works_in_a_real_browser(tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    write_all(batch(), tmp_path, 7)
    page_url = (tmp_path / "report.html").as_uri()
    problems: list[str] = []
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        page.on("console", lambda message: problems.append(message.text) if message.type in ("error", "warning") else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on(
            "request", lambda request: problems.append(f"request {request.url}") if not request.url.startswith(("file:", "data:")) else None
        )
        page.goto(page_url)
        page.on("dialog", lambda dialog: problems.append(f"a script ran: {dialog.message}"))
        assert page.locator("#students tbody tr").count() == 4 and page.locator("#questions tbody tr").count() == len(QUESTION_IDS)
        assert page.locator("#failures tbody tr").first.inner_text().startswith("2")
        assert page.locator("#histogram").evaluate("image => image.naturalWidth") > 0
        totals = lambda: page.locator("#students tbody tr td:nth-child(14)").all_inner_texts()  # noqa: E731
        page.locator("#students th", has_text="total").click()
        assert totals() == sorted(totals(), key=float)
        feedback = page.locator("section.feedback#s2")
        assert not feedback.is_visible()
        page.locator("#students a", has_text="submission_3/convolutions.py").click()
        assert feedback.is_visible() and FLIPPED in feedback.inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        browser.close()
    assert problems == []
    assert re.search(r"\.png$", str(ARTIFACTS / "report.png")) and (ARTIFACTS / "report.png").stat().st_size > 10_000
    shutil.copy(tmp_path / "report.html", ARTIFACTS / "report.html")
