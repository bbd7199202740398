"""report.html for a realistic batch (long names, a group, a named bug in several students, an
unreadable notebook, a syntax error, an untouched stub, an ungradable submission, a hostile student,
files not graded): it says everything report.md says, renders feedback's Markdown as HTML and
student text as text. In a real headless browser (Chromium driven by Playwright) at 1280 px and at
390 px (a phone): no console error, no request leaving the file, no table wider than the page,
every header over its column, phone rows stacked as cards, tables that sort, feedback one click
away. Screenshots go to the test's temporary folder."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from convkit.batch.run import Batch
from convkit.exercises.questions import QUESTION_IDS
from convkit.output.html import SORT_SCRIPT, feedback, script_hash
from convkit.output.reports import UNTOUCHED, write_all
from convkit.results import (
    CheckResult,
    Failure,
    GradeStatus,
    QuestionResult,
    Shown,
    Skipped,
    SubmissionResult,
    Submitter,
    Value,
)
from convkit.sandbox.backends import Backend

CHROMIUM = next(
    (p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None
)
FLIPPED = "the kernel is flipped, which is convolution, not cross-correlation: use K as it is"
SWAPPED = "max and avg are swapped: mode='max' takes the maximum, mode='avg' the mean"
INJECT = "\x1b[31m<img src=x onerror=alert(1)><script>alert(2)</script>[x](javascript:alert(3))"
CHECKS = (("book example", 2.0), ("random shapes and edge cases", 1.0), ("integer inputs", 0.5))
MAX_ERROR = "corr2d(X, K): the shape is right but the values are not: max error 9 (at most 0.001)"
UNREADABLE = "not a valid notebook (NotJSONError: Notebook does not appear to be JSON: '{')"
SYNTAX = "line 80: SyntaxError: expected ':'; the functions above that line were graded"
SKIPPED = [
    Skipped("export/submission_1003/notes.txt", "not a submission (.py, .ipynb or .zip)"),
    Skipped("export/submission_1011", "no .py, .ipynb or .zip file in this submission's folder"),
]


def grid(*rows: list[float]) -> Value:
    return Value(shape=(len(rows), len(rows[0])), dtype="float32", entries=[*map(list, rows)])


def wrong(bug: str | None, detail: str) -> Failure:
    """A failure as the judge reports it, with the smallest failing call shown as grids."""
    inputs = (("X", grid([0, 3], [3, 3])), ("K", grid([0])))
    shown = Shown("corr2d(X, K)", inputs, grid([9]), grid([0]), ((0, 0), 9, 0), True)
    return Failure("wrong values", detail, bug, shown)


def graded(
    number: int,
    who: str | Submitter,
    failing: dict[str, Failure],
    **fields: Any,
) -> SubmissionResult:
    """Submission `number` of `who`, whose `failing` questions fail every check."""
    if isinstance(who, str):
        who = Submitter(who, f"S{number}", f"{who.split()[0].lower()}@uni.edu")

    def checks(q: str) -> tuple[CheckResult, ...]:
        return tuple(CheckResult(q, name, points, failing.get(q)) for name, points in CHECKS)

    questions = tuple(QuestionResult(q, checks(q)) for q in QUESTION_IDS)
    fields.setdefault("name", f"submission_{number}/convolutions.py")
    fields.update(seed=7, backend="plain", isolation="namespace+uid", student=who)
    return SubmissionResult(questions=questions, **fields)


def batch() -> Batch:
    maximilian = Submitter("Maximilian Alexander von Humboldt-Wißmann", "S1001", "max.von@uni.edu")
    group = Submitter("Ann Lee; Ben Okafor", "S1002; S1003", "ann@uni.edu; ben@uni.edu")
    notebook = "submission_{}/convolutions.ipynb"
    results = [
        graded(1001, maximilian, {"corr2d": wrong(FLIPPED, MAX_ERROR)}, name=notebook.format(1001)),
        graded(1002, group, {"pool2d": wrong(SWAPPED, "pool2d(X, (2, 2), mode='max'): 0.75 off")}),
        graded(1003, "Alan Turing", {}),
        graded(
            1004,
            "Grace Brewster Murray Hopper",
            {"corr2d": wrong(FLIPPED, MAX_ERROR), "pad_stride": Failure("shape", "got (2, 2)")},
        ),
        graded(
            1005,
            "Carol Broken",
            {q: Failure("unreadable", UNREADABLE) for q in QUESTION_IDS},
            name=notebook.format(1005),
            load_error=UNREADABLE,
        ),
        graded(
            1006,
            "Dave Syntax",
            {"pool2d": Failure("not defined", "`pool2d` is not defined: define it with this name")},
            partial=SYNTAX,
        ),
        graded(1007, "Bob Stub", {q: Failure(UNTOUCHED, UNTOUCHED) for q in QUESTION_IDS}),
        graded(1008, "Eve Lost", {}, status=GradeStatus.UNGRADABLE, problem="the sandbox stopped"),
        graded(
            1009,
            Submitter(INJECT, INJECT, INJECT),
            {"conv1x1": Failure("raised", f"raised {INJECT}")},
            name=f"submission_1009/{INJECT}.py",
        ),
        graded(
            1010,
            "Katherine Coleman Goble Johnson",
            {"learn_kernel": wrong(None, "kernel: first wrong at [0, 0]: expected 1, got -0.9992")},
        ),
    ]
    return Batch(results, Backend("plain"), "bubblewrap could not start here; graded with plain")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    write_all(batch(), folder, 7, SKIPPED)
    return folder


def test_the_csp_allows_exactly_the_sort_script(out: Path) -> None:
    page = (out / "report.html").read_text()
    assert f"script-src '{script_hash()}'" in page and f"<script>{SORT_SCRIPT}</script>" in page
    assert page.count("<script") == 1 and "http://" not in page and "https://" not in page
    assert not [tag for tag in ("<img src=x", "<script>alert", 'href="javascript') if tag in page]


def test_the_page_has_every_section_of_report_md_in_its_order(out: Path, tmp_path: Path) -> None:
    markdown = (out / "report.md").read_text()
    page = html.unescape((out / "report.html").read_text().replace("<wbr>", ""))
    sections = re.findall(r"^## (.+)$", markdown, re.MULTILINE)
    assert len(sections) == 6 and re.findall(r"<h2>(.+?)</h2>", page) == [*sections, "Feedback"]
    said = ["Mean total 21.", "1 unreadable", "untouched in 1", "sandbox plain (namespace+uid)"]
    said += [SYNTAX, "the sandbox stopped", "bubblewrap could not", "export/submission_1011"]
    assert [text for text in said if text not in markdown or text not in page] == []
    assert "<code>corr2d</code> untouched in 1" in page and "`" not in page.split("<h2>Feedback")[0]
    write_all(batch(), tmp_path, 7, SKIPPED)
    assert (tmp_path / "report.html").read_bytes() == (out / "report.html").read_bytes()


def test_feedback_markdown_is_rendered_and_student_text_stays_text() -> None:
    text = "# For `x`\n\n## `corr2d`\n\n**0 of 6.** `f(X)`\n\n- ✗ **a**: x\n\n  ```\n  1 2\n  ```\n"
    assert feedback(text) == (
        "<h4><code>corr2d</code></h4>\n<p><strong>0 of 6.</strong> <code>f(X)</code></p>\n"
        "<ul>\n<li>\n<p>✗ <strong>a</strong>: x</p>\n<pre><code>1 2\n</code></pre>\n</li>\n</ul>\n"
    )
    hostile = feedback("<script>1</script> <img src=x> [x](javascript:3) <javascript:4> &#8238;")
    assert not [tag for tag in ("<script", "<img", "<a", "\u202e") if tag in hostile]
    assert "&lt;script&gt;1&lt;/script&gt;" in hostile and "[x](javascript:3)" in hostile


LAYOUT = """() => {
  const box = (e) => e.getBoundingClientRect();
  const text = (e) => {
    const range = document.createRange();
    range.selectNodeContents(e);
    return range.getBoundingClientRect();
  };
  const page = [document.scrollingElement.scrollWidth, window.innerWidth];
  const found = {page: page, tables: {}, problems: []}, wrong = (what) => found.problems.push(what);
  for (const table of document.querySelectorAll("table")) {
    const heads = Array.from(table.tHead.rows[0].cells), rows = Array.from(table.tBodies[0].rows);
    const cards = table.matches(".cards") && window.innerWidth <= 640;
    found.tables[table.id] = {width: table.scrollWidth, container: table.parentElement.clientWidth,
                              head: box(table.tHead).height, cards: cards};
    heads.forEach((th) => th.textContent.trim() || wrong(`${table.id}: a header is empty`));
    rows.forEach((row, r) => Array.from(row.cells).forEach((cell, c) => {
      const th = heads[c], where = `${table.id} row ${r} column ${th.textContent}`;
      const [h, d, ht, dt, b, first] = [box(th), box(cell), text(th), text(cell), box(row),
                                        box(row.cells[0])];
      const labelled = !table.matches(".cards") || cell.dataset.label === th.textContent;
      if (!labelled) wrong(`${where}: labelled ${cell.dataset.label}`);
      if (!cards) {
        if (d.left < h.left - 0.5 || d.right > h.right + 0.5) wrong(`${where}: outside its header`);
        const align = getComputedStyle(cell).textAlign;
        if (getComputedStyle(th).textAlign !== align) wrong(`${where}: aligned apart`);
        const apart = Math.min(ht.right, dt.right) <= Math.max(ht.left, dt.left);
        if (dt.width && apart) wrong(`${where}: not under its header's text`);
        return;
      }
      const label = getComputedStyle(cell, "::before").content;
      if (getComputedStyle(row).display !== "grid") wrong(`${where}: not a card`);
      if (label !== JSON.stringify(th.textContent)) wrong(`${where}: shows the label ${label}`);
      const inside = d.left >= b.left && d.right <= b.right;
      if (!inside || d.top < b.top || d.bottom > b.bottom) wrong(`${where}: outside its card`);
      const stacked = Math.abs(d.left - first.left) <= 0.5 && d.width >= 0.9 * first.width;
      if (!cell.matches(".num, .short") && !stacked) wrong(`${where}: not stacked`);
      if (r && b.top < box(rows[r - 1]).bottom) wrong(`${table.id} row ${r}: over the row above`);
    }));
  }
  return found;
}"""


def layout(page: Any) -> dict[str, Any]:
    """What the page measures: its width, each table's, and every way a cell is out of place."""
    found = page.evaluate(LAYOUT)
    assert found["problems"] == [], found["problems"][:10]
    assert found["page"][0] <= found["page"][1], f"the page scrolls sideways: {found['page']}"
    for name, table in found["tables"].items():
        assert table["width"] <= table["container"], f"{name} is wider than the page: {table}"
    return found


LOCAL = ("file:", "data:")
NOISE = ("error", "warning")


def watch(page: Any, problems: list[str]) -> None:
    """Console errors and warnings, script errors, requests leaving the file, dialogs: problems."""
    page.on("console", lambda said: said.type in NOISE and problems.append(said.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda asked: asked.url.startswith(LOCAL) or problems.append(asked.url))
    page.on("dialog", lambda dialog: problems.append(f"a script ran: {dialog.message}"))


@pytest.mark.slow
@pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (setup.sh installs it: apt-get install -y chromium)",
)
def test_the_report_reads_in_a_real_browser_at_1280_and_390_px(out: Path, tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    problems: list[str] = []
    url = (out / "report.html").as_uri()
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for width, height in ((1280, 900), (390, 844)):
            page = browser.new_page(viewport={"width": width, "height": height})
            watch(page, problems)
            page.goto(url)
            assert page.locator("#students tbody tr").count() == 10
            assert page.locator("#questions tbody tr").count() == len(QUESTION_IDS)
            assert page.locator("#failures tbody tr").first.inner_text().split()[0] == "2"
            assert page.locator("#histogram").evaluate("image => image.naturalWidth") > 0
            found = layout(page)
            cards = {name for name, table in found["tables"].items() if table["cards"]}
            assert cards == ({"failures", "students"} if width == 390 else set()), found["tables"]
            assert all((table["head"] <= 1) == table["cards"] for table in found["tables"].values())
            if width == 1280:
                page.locator("#students th", has_text="total").click()
                totals = [t for t in page.locator("#students td.total").all_inner_texts() if t]
                assert totals == sorted(totals, key=float) and len(totals) == 9
                layout(page)
            panel = page.locator("section.feedback#s3")
            assert not panel.is_visible()
            page.locator("#students a", has_text="submission_1004/convolutions.py").click()
            assert panel.is_visible() and panel.locator("h4", has_text="corr2d").count() == 1
            assert panel.locator("strong", has_text="0 of 3.5 points.").count() == 2
            assert panel.locator("pre").count() == 3 and panel.locator("li").count() == 27
            shown = panel.inner_text()
            assert FLIPPED in shown and "**" not in shown and "\\" not in shown and "`" not in shown
            layout(page)
            page.screenshot(path=str(tmp_path / f"report-{width}.png"), full_page=True)
            page.goto(f"{url}#s8")
            hostile = page.locator("section.feedback#s8")
            assert hostile.is_visible() and INJECT[5:] in hostile.inner_text()
            assert page.locator("script").count() == 1
            assert hostile.locator("img, a, script").count() == 0
            page.screenshot(path=str(tmp_path / f"report-{width}-hostile.png"), full_page=True)
            page.close()
        browser.close()
    assert problems == []
    assert all((tmp_path / f"report-{width}.png").stat().st_size > 50_000 for width in (1280, 390))
