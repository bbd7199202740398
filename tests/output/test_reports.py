"""Reports are rendered from structured results: grouping by named bug or reason, never by parsing
text."""

from __future__ import annotations

from dataclasses import replace

from convkit.batch.run import Batch
from convkit.exercises.questions import QUESTION_IDS
from convkit.output.reports import failure_groups, gradescope, html, prairielearn, report
from convkit.results import CheckResult, Failure, GradeStatus, QuestionResult, SubmissionResult
from convkit.sandbox.backends import Backend

FLIPPED = "matches true convolution: the kernel is flipped"


def result(
    name: str, failures: dict[str, Failure], status: GradeStatus = GradeStatus.GRADED
) -> SubmissionResult:
    questions = tuple(
        QuestionResult(
            q,
            (
                CheckResult(q, "first", 1.0, failures.get(q)),
                CheckResult(q, "second", 2.0, failures.get(q)),
            ),
        )
        for q in QUESTION_IDS
    )
    problem = "the sandbox stopped answering" if status is GradeStatus.UNGRADABLE else None
    return SubmissionResult(
        name,
        questions,
        seed=7,
        backend="plain",
        isolation="namespace+uid",
        status=status,
        problem=problem,
    )


def test_failures_group_by_named_bug_then_by_reason_across_students() -> None:
    results = [
        result(
            "a.py", {"corr2d": Failure("wrong values", "on X = [[1.0]]: max error 3", bug=FLIPPED)}
        ),
        result(
            "b.py",
            {"corr2d": Failure("wrong values", "on X = [[2.0, 5.0]]: max error 9", bug=FLIPPED)},
        ),
        result(
            "c.py",
            {
                "corr2d": Failure("wrong shape", "expected shape (2, 2), got (1, 2)"),
                "pool2d": Failure("timed out", "timed out"),
            },
        ),
    ]
    groups = failure_groups(results)
    assert [(g.question, g.what, sorted(g.submissions), g.checks) for g in groups] == [
        ("corr2d", FLIPPED, ["a.py", "b.py"], ["first", "second"]),
        ("corr2d", "wrong shape", ["c.py"], ["first", "second"]),
        ("pool2d", "timed out", ["c.py"], ["first", "second"]),
    ]
    assert groups[0].example == "on X = [[1.0]]: max error 3"


def test_ungradable_submissions_are_listed_first_and_left_out_of_statistics() -> None:
    results = [result("good.py", {}), result("lost.py", {}, GradeStatus.UNGRADABLE)]
    text = report(Batch(results, Backend("plain"), None), seed=7)
    assert "2 submission(s): 1 graded, 1 ungradable; seed 7; sandbox plain (namespace+uid)." in text
    assert text.index("- `lost.py`: the sandbox stopped answering") < text.index("## Questions")
    assert "| `corr2d` | 1/1 (100%) | 3.00 | 3 |" in text


def test_partly_graded_submissions_are_listed_in_both_reports() -> None:
    said = "cell 35, line 1: SyntaxError: expected ':'; that cell was not run, the rest was graded"
    partial = replace(result("nb.ipynb", {}), partial=said)
    batch = Batch([result("a.py", {}), partial], Backend("plain"), None)
    heading = "Submissions that could not be fully graded"
    assert f"## {heading}\n\n- `nb.ipynb`: {said}\n" in report(batch, seed=7)
    page = html(batch, 7, (), ["", ""], b"", ["a.py", "nb.ipynb"])
    assert f">{heading}</h2>" in page and "that cell was not run, the rest was graded" in page


def test_gradescope_output_puts_the_named_bug_first_and_states_the_sandbox() -> None:
    graded = gradescope(
        result("a.py", {"corr2d": Failure("wrong values", "max error 3", bug=FLIPPED)})
    )
    assert graded["score"] == 3 * (len(QUESTION_IDS) - 1)
    output = graded["tests"][0]["output"].splitlines()
    assert output[0] == f"**0 of 3 points.** 2 of 2 checks failed: **{FLIPPED}.**"
    assert output[2] == "- ✗ **first** (0/1): max error 3"
    assert graded["output_format"] == graded["test_output_format"] == "md"
    assert graded["output"].endswith("Graded by convkit (plain sandbox, isolation namespace+uid).")
    # the seed is the instructor's alone
    assert "7" not in graded["output"] and graded["extra_data"]["seed"] == 7
    lost = gradescope(result("lost.py", {}, GradeStatus.UNGRADABLE))
    assert (
        "score" not in lost
        and "the grader's fault" in lost["output"]
        and lost["extra_data"]["status"] == "ungradable"
    )


def test_prairielearn_says_in_plain_text_what_gradescope_says_in_markdown() -> None:
    """The same structured results, two renderers: the same points per question and the same named
    bug, and in PrairieLearn's text (shown preformatted) no markup, while student text (`a_b`,
    `*x*`, fences) stays as it is."""
    from convkit.results import Shown, Value

    inputs = (("X", Value(shape=(1, 1), entries=[[1.0]])),)
    shown = Shown("corr2d(X, K)", inputs, actual=Value(text="a ```fence``` *x*"))
    detail = "raised ValueError: a_b * c # not a heading"
    failures = {
        "corr2d": Failure("wrong values", "max error 3", bug=FLIPPED),
        "pool2d": Failure("raised", detail, shown=shown),
    }
    graded = result("a.py", failures)
    markdown, plain = gradescope(graded), prairielearn(graded)
    assert plain["gradable"] is True and plain["score"] == graded.total / graded.max_total
    assert [(t["name"], t["points"], t["max_points"]) for t in plain["tests"]] == [
        (t["name"], t["score"], t["max_score"]) for t in markdown["tests"]
    ]
    corr2d, pool2d = plain["tests"][0], plain["tests"][-1]
    assert corr2d["message"] == f"0 of 3 points. 2 of 2 checks failed: {FLIPPED}."
    assert corr2d["output"].splitlines()[0] == "- ✗ first (0/1): max error 3"
    assert corr2d["description"] == "Two-dimensional cross-correlation (D2L 6.2.1): corr2d(X, K)"
    assert f"- ✗ first (0/1): {detail}" in pool2d["output"]
    assert "    got:\n      a ```fence``` *x*" in pool2d["output"]
    assert "a_b \\* c" in markdown["tests"][-1]["output"]  # Gradescope's escape, not PrairieLearn's
    texts = [plain["message"], plain["output"]]
    texts += [test[key] for test in plain["tests"] for key in ("message", "output")]
    assert not any("**" in text or "\\" in text or "\n  ```" in text for text in texts), texts
    assert plain["message"] == "Graded by convkit (plain sandbox, isolation namespace+uid)."
    assert not any("7" in text for text in texts) and "seed" not in str(plain)  # a course secret
    overview = plain["output"].splitlines()
    assert overview[0] == f"corr2d: 0 of 3 points. 2 of 2 checks failed: {FLIPPED}."


def test_prairielearn_gives_no_score_to_what_the_grader_failed() -> None:
    lost = prairielearn(result("lost.py", {}, GradeStatus.UNGRADABLE))
    assert lost["gradable"] is False and "score" not in lost and "tests" not in lost
    assert lost["message"] == lost["format_errors"][0]
    assert "the sandbox stopped answering" in lost["message"]
    assert "the grader's fault" in lost["message"]


def test_prairielearn_results_are_cut_to_stay_under_its_1_mb() -> None:
    """Each text is bounded already (a student's message to 2,000 characters, a value to a line);
    should they add up past PrairieLearn's limit, the longest are cut until the file fits."""
    import json

    from convkit.output.reports import CUT, within

    tests = [{"name": q, "message": "m" * 400_000, "output": "o" * 300_000} for q in ("a", "b")]
    data = {"gradable": True, "score": 1.0, "message": "fine", "output": "x", "tests": tests}
    data = within(data, 1 << 20)
    assert len(json.dumps(data).encode()) < 1 << 20 and data["message"] == "fine"
    assert all(test["message"].endswith(CUT) for test in data["tests"])
    assert data["tests"][0]["message"].startswith("m" * 100_000)


def test_results_travel_as_plain_dictionaries() -> None:
    original = result(
        "a.py", {"pool2d": Failure("wrong values", "max error 1", bug="max and avg swapped")}
    )
    assert SubmissionResult.from_dict(original.to_dict()) == original


def test_the_final_output_links_the_folders_written_while_grading_and_is_the_same(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A submission's folder written while grading is linked into the final output, not rendered
    again: the same bytes as rendering, the same inode; where linking fails (here: no such folder)
    it is rendered."""
    import os

    from convkit.output.reports import write_all, write_submission

    results = [
        result("a.py", {"corr2d": Failure("wrong values", "max error 3", bug=FLIPPED)}),
        result("b.py", {}),
    ]
    batch = Batch(results, Backend("plain"), None)
    write_submission(tmp_path / "streamed", results[0])
    write_all(batch, tmp_path / "rendered", 7)
    write_all(batch, tmp_path / "linked", 7, written=[tmp_path / "streamed", tmp_path / "gone"])

    def files(out):  # type: ignore[no-untyped-def]
        return {
            str(path.relative_to(out)): path.read_bytes()
            for path in sorted(out.rglob("*"))
            if path.is_file()
        }

    assert files(tmp_path / "linked") == files(tmp_path / "rendered")
    assert os.path.samefile(
        tmp_path / "linked" / "a.py" / "feedback.md", tmp_path / "streamed" / "feedback.md"
    )
    assert all(
        (tmp_path / "linked" / "b.py" / name).stat().st_nlink == 1
        for name in ("results.json", "feedback.md")
    )


def test_report_md_reads_without_escapes_and_student_text_stays_in_its_cell() -> None:
    """report.md is read with `cat` and rendered as Markdown (GitHub's tables): a plain message
    keeps no escape, and a name or message with pipes, tags and links stays text in its own cell."""
    from markdown_it import MarkdownIt

    from convkit.results import Skipped, Submitter

    hostile = "a|b`|`<img src=x>[x](javascript:alert(1))"
    wrong = Failure("wrong shape", "corr2d(X, K): expected shape (2, 2), got (1, 2)")
    named = replace(result(f"{hostile}.py", {}), student=Submitter(hostile, "S|1"))
    results = [result("alice_b.py", {"corr2d": wrong}), named]
    skipped = [Skipped("x.ipynb", f"the same submission's {hostile} was graded")]
    text = report(Batch(results, Backend("plain"), None), 7, skipped)
    assert f"| {wrong.detail} | `alice_b.py` |" in text and "\\(" not in text
    rows: list[list[str]] = []
    for token in MarkdownIt("commonmark").enable("table").parse(text):
        if token.type == "tr_open":
            rows.append([])
        children = token.children or []
        if token.type == "inline" and rows and token.level > 1:  # a cell's text, as it reads
            rows[-1].append("".join(child.content for child in children))
        assert not {child.type for child in children} & {"link_open", "image", "html_inline"}
    assert rows[-1][:3] == [f"{hostile}.py".replace("`", "'"), hostile.replace("`", ""), "S|1"]
    assert rows[-2][:2] == ["alice_b.py", ""]
    said = "a\\|b`|`\\<img src=x>[x\\](javascript:alert(1))"
    assert text.splitlines()[-1] == f"- `x.ipynb`: the same submission's {said} was graded"


def test_the_histogram_draws_one_bar_per_score_with_gaps() -> None:
    from convkit.output.reports import score_bars

    assert score_bars([31, 29, 31, 0]) == ([0, 29, 31], [1, 1, 2], 0.7)
    scores, counts, width = score_bars([29, 29.5, 35])
    assert scores == [29, 29.5, 35] and counts == [1, 1, 1] and width == 0.35
