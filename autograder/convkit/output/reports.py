"""What a grading run writes: grades.csv, Gradescope results.json per submission, and the
instructor's report. PrairieLearn's results.json too, which its question's grader writes
(`convkit.platforms.prairielearn`).

Results arrive as structured data (`convkit.results`) and become text only here. An ungradable
submission (the grader's fault) has no score anywhere: empty cells in grades.csv, no score in its
results.json, listed first in the report and left out of every statistic. A submission with nothing
to grade (a student's folder without a file) is a row of zeros that says why; one the export's
metadata names no one for is flagged.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from convkit.exercises.questions import BY_ID, QUESTION_IDS
from convkit.output import feedback
from convkit.output import html as report_html
from convkit.output.escaping import code, csv_cell, line, markdown
from convkit.output.escaping import text as neutral_text
from convkit.output.feedback import PLAIN, question_markdown, readable, submission_markdown
from convkit.results import METADATA, GradeStatus, QuestionResult, Skipped, SubmissionResult

if TYPE_CHECKING:
    from convkit.batch.run import Batch

CSV_HEADER = ["submission", "student", "sid", "email", *QUESTION_IDS, "total", "status", "seed"]
RECORDS = "results.jsonl"
"""Every submission's result as plain data, one JSON line each: what `--resume` reads back (never
the text)."""
UNTOUCHED = "not implemented yet"
"""The reason of a check on a stub left as handed out: counted apart, not listed among the
failures."""


def number(value: float) -> str:
    return f"{value:g}"


def folder_names(names: Sequence[str]) -> list[str]:
    """One output folder per submission, named by its name made safe for any file system ('/'
    becomes '__'); repeated names get a suffix."""
    seen: Counter[str] = Counter()
    folders = []
    for name in names:
        safe = re.sub(r"[^\w.-]", "_", name.replace("/", "__")).lstrip(".") or "submission"
        seen[safe] += 1
        folders.append(safe if seen[safe] == 1 else f"{safe}-{seen[safe]}")
    return folders


def status(result: SubmissionResult) -> str:
    return f"{result.status}: {result.problem}" if result.problem else str(result.status)


def csv_row(result: SubmissionResult) -> list[object]:
    """The submission's row of grades.csv (CSV_HEADER): no score at all when it is ungradable."""
    scores = (
        [number(q.score) for q in result.questions] + [number(result.total)]
        if result.gradable
        else [""] * (len(QUESTION_IDS) + 1)
    )
    who = result.student
    student = [csv_cell(value) for value in (result.name, who.name, who.sid, who.email)]
    return [*student, *scores, csv_cell(status(result)), result.seed]


SUBMISSION_FILES = ("results.json", "feedback.md")


def write_submission(folder: Path, result: SubmissionResult) -> str:
    """A submission's own folder (SUBMISSION_FILES): Gradescope's results.json and the same feedback
    as Markdown (returned)."""
    folder.mkdir(exist_ok=True)
    graded = gradescope(result)
    (folder / "results.json").write_text(json.dumps(graded, indent=2) + "\n")
    rendered = submission_markdown(result, str(graded["output"]))
    (folder / "feedback.md").write_text(rendered)
    return rendered


def keep_submission(folder: Path, result: SubmissionResult, written: Path | None) -> str:
    """A submission's folder as `write_submission` writes it, made of hard links to the files it
    already wrote for the same result in `written` (while grading), where there is such a folder and
    links can be made."""
    if written is not None:
        try:
            folder.mkdir()
        except (
            OSError
        ):  # there already (two names one folder on a case-insensitive file system): rendered
            return write_submission(folder, result)
        try:
            for name in SUBMISSION_FILES:
                os.link(written / name, folder / name)
            with (folder / "feedback.md").open(newline="") as handle:
                return handle.read()
        except OSError:  # e.g. a file system without hard links
            shutil.rmtree(folder, ignore_errors=True)
    return write_submission(folder, result)


def write_all(
    batch: Batch,
    out: Path,
    seed: int,
    skipped: Sequence[Skipped] = (),
    records: Sequence[str] = (),
    written: Sequence[Path | None] = (),
) -> None:
    """Everything a grading run writes into `out` (a fresh folder): the files not graded are listed
    in the report;
    `records` (one JSON line per submission, in input order) become results.jsonl, which `--resume`
    reads;
    `written` names, per submission, a folder that `write_submission` already wrote for its result
    (or None), whose files are linked instead of rendered again."""
    out.mkdir(parents=True, exist_ok=True)
    results = batch.results
    with (out / "grades.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        writer.writerows(csv_row(result) for result in results)
    folders = folder_names([result.name for result in results])
    sources = list(written) or [None] * len(results)
    feedbacks = [
        keep_submission(out / name, result, source)
        for name, result, source in zip(folders, results, sources, strict=True)
    ]
    if records:
        (out / RECORDS).write_text("".join(records))
    histogram = histogram_png([r for r in results if r.gradable])
    (out / "report.md").write_text(report(batch, seed, skipped, folders))
    (out / "report.html").write_text(html(batch, seed, skipped, feedbacks, histogram, folders))
    (out / "histogram.png").write_bytes(histogram)


def sandbox_line(result: SubmissionResult) -> str:
    """The output's last line, which students read on Gradescope and PrairieLearn: never the seed,
    a course secret (it stays in Gradescope's `extra_data`, which Gradescope keeps for the
    instructor)."""
    return f"Graded by convkit ({result.backend} sandbox, isolation {result.isolation})."


def ungradable_note(problem: str) -> str:
    """What a student reads of a submission the grader failed (`problem` made safe for it)."""
    return (
        f"This submission could not be graded: {problem}. This is the grader's fault, not the "
        "submission's; your instructor will regrade it."
    )


def notes(result: SubmissionResult) -> list[str]:
    """What the feedback says of the submission as a whole, before its questions (unescaped)."""
    unread = f"This submission could not be read: {result.load_error}"
    nothing = f"Nothing to grade: {result.problem}"
    return [
        *([unread] if result.load_error else []),
        *([nothing] if result.status is GradeStatus.NOTHING else []),
        *result.notes,
    ]


MARKDOWN = {"output_format": "md", "test_output_format": "md"}
"""Gradescope renders the top-level output and every test's output as Markdown (the otter
plugin's results say so too)."""


def gradescope(result: SubmissionResult) -> dict[str, object]:
    """Gradescope's results.json, in Markdown; an ungradable submission gets no score at all, and
    says why."""
    extra = {
        "status": str(result.status),
        "seed": result.seed,
        "backend": result.backend,
        "isolation": result.isolation,
    }
    if not result.gradable:
        return {
            "output": ungradable_note(markdown(str(result.problem))),
            "tests": [
                {
                    "name": q.question,
                    "status": "failed",
                    "output": "not graded",
                    "visibility": "visible",
                }
                for q in result.questions
            ],
            **MARKDOWN,
            "extra_data": extra,
        }
    return {
        "score": result.total,
        "output": "\n\n".join([*map(readable, map(markdown, notes(result))), sandbox_line(result)]),
        "tests": [
            {
                "name": q.question,
                "score": q.score,
                "max_score": q.max_score,
                "output": question_markdown(q, result.partial),
                "visibility": "visible",
            }
            for q in result.questions
        ],
        **MARKDOWN,
        "extra_data": extra,
    }


PRAIRIELEARN_LIMIT = 1 << 20
"""PrairieLearn refuses a results.json larger than 1 MB (apps/grader-host/src/index.ts)."""
CUT = "\n... (cut here: PrairieLearn shows at most 1 MB of results)"


def prairielearn(result: SubmissionResult, warning: str | None = None) -> dict[str, object]:
    """PrairieLearn's results.json (its docs/externalGrading.md, "Grading results") in plain text,
    which its results panel shows preformatted: a score in 0..1, and per question its points, its
    summary (`message`) and its checks (`output`). An ungradable submission is `gradable: false`
    with the reason: no points, and no attempt used."""
    if not result.gradable:
        return prairielearn_ungradable(str(result.problem))
    overview = [f"{q.question}: {feedback.summary(q, PLAIN)}" for q in result.questions]
    tests = [
        {
            "name": q.question,
            "description": question_line(q.question),
            "points": q.score,
            "max_points": q.max_score,
            "message": "\n".join(feedback.question_head(q, result.partial, PLAIN)),
            "output": "\n".join(feedback.question_checks(q, PLAIN)),
        }
        for q in result.questions
    ]
    told = [*(readable(neutral_text(note)) for note in notes(result)), sandbox_line(result)]
    told += [f"Warning: {warning}."] if warning else []
    graded = {
        "gradable": True,
        "score": result.total / result.max_total,
        "message": "\n\n".join(told),
        "output": "\n".join(overview),
        "tests": tests,
    }
    return within(graded, PRAIRIELEARN_LIMIT)


def prairielearn_ungradable(problem: str) -> dict[str, object]:
    """PrairieLearn's results.json for a submission the grader failed: not gradable, and why."""
    note = ungradable_note(neutral_text(problem))
    return {"gradable": False, "message": note, "format_errors": [note]}


def question_line(question_id: str) -> str:
    """A question in words: its title, its book section and what the student writes."""
    question = BY_ID[question_id]
    return f"{question.title} (D2L {question.section}): {question.signature}"


def within(results: dict[str, Any], limit: int) -> dict[str, Any]:
    """`results` with its longest text halved, again and again, until its JSON is under `limit`
    bytes."""
    texts = ("message", "output")
    while len(json.dumps(results).encode()) >= limit:
        places = [(holder, key) for holder in [results, *results["tests"]] for key in texts]
        holder, key = max(places, key=lambda place: len(place[0][place[1]]))  # the first longest
        holder[key] = holder[key][: len(holder[key]) // 2] + CUT
    return results


@dataclass
class FailureGroup:
    """The submissions that fail one question the same way: the same named bug, or the same
    reason."""

    question: str
    what: str
    submissions: set[str] = field(default_factory=set)
    checks: list[str] = field(default_factory=list)
    example: str = ""


def failure_groups(results: list[SubmissionResult]) -> list[FailureGroup]:
    """Failures grouped by question and by named bug (or reason where no bug is named), most common
    first."""
    groups: dict[tuple[str, str], FailureGroup] = {}
    for result in results:
        for question in result.questions:
            for check in question.checks:
                if check.failure is None or is_untouched(question):
                    continue
                what = check.failure.bug or check.failure.reason
                group = groups.setdefault(
                    (question.question, what), FailureGroup(question.question, what)
                )
                group.submissions.add(result.name)
                if check.name not in group.checks:
                    group.checks.append(check.name)
                group.example = group.example or check.failure.detail
    return sorted(
        groups.values(), key=lambda g: (-len(g.submissions), QUESTION_IDS.index(g.question), g.what)
    )


def report(
    batch: Batch, seed: int, skipped: Sequence[Skipped] = (), folders: Sequence[str] | None = None
) -> str:
    """The instructor's report for terminals: questions, failures grouped by named bug, students,
    skipped files."""
    results = batch.results
    folders = folders if folders is not None else folder_names([r.name for r in results])
    graded = [r for r in results if r.gradable]
    ungradable = [r for r in results if not r.gradable]
    summary = f"{counts(results)}; seed {seed}; sandbox {sandboxes(batch)}."
    lines = ["# convkit grading report", "", summary]
    if batch.warning:
        lines += ["", f"**Warning:** {batch.warning}."]
    nameless = unlisted(results)
    if nameless:
        names = ", ".join(code(name) for name in nameless)
        said = f"`{METADATA}` names no student for {len(nameless)} submission(s): {names}"
        lines += ["", f"**Warning:** {said}."]
    if ungradable:
        lines += ["", "## Ungradable submissions (the grader's fault: no score)", ""]
        lines += [f"- {code(r.name)}: {markdown(str(r.problem))}" for r in ungradable]
    lines += [
        "",
        "## Questions",
        "",
        "| question | full marks | mean score | max |",
        "|---|---|---|---|",
    ]
    for q in question_stats(graded):
        lines.append(
            f"| `{q['id']}` | {q['full']}/{q['count']} ({q['percent']}%) | {q['mean']} | "
            f"{q['max']} |"
        )
    lines += ["", f"Mean total {mean_total(graded)}; histogram in `histogram.png`.", ""]
    lines += ["## Failures by named bug", ""]
    lines += [
        "Submissions that could not be read and questions left untouched are counted apart: "
        f"{untouched(graded)}.",
        "",
    ]
    lines += [
        "| submissions | question | bug or reason | checks | example | who |",
        "|---|---|---|---|---|---|",
    ]
    for group in failure_groups(attempted(graded)):
        checks = cell(", ".join(group.checks))
        who = cell(
            ", ".join(f"`{name}`" for name in sorted(group.submissions)[:5])
            + (", …" if len(group.submissions) > 5 else "")
        )
        lines.append(
            f"| {len(group.submissions)} | `{group.question}` | {cell(group.what)} | {checks} | "
            f"{cell(group.example)} | {who} |"
        )
    lines += [
        "",
        "## Students",
        "",
        "| submission | student | sid | total | status | feedback |",
        "|---|---|---|---|---|---|",
    ]
    for result, folder in zip(results, folders, strict=True):
        total = f"{number(result.total)}/{number(result.max_total)}" if result.gradable else ""
        student = result.student
        name = f"not in `{METADATA}`" if student.unlisted else cell(student.name)
        row = [in_cell(code(result.name)), name, cell(student.sid), total]
        row += [cell(status(result)), f"`{folder}/feedback.md`"]
        lines.append(f"| {' | '.join(row)} |")
    partial = incomplete(graded)
    if partial:
        lines += ["", "## Submissions that could not be fully graded", ""]
        lines += [f"- {code(r.name)}: {markdown(why)}" for r, why in partial]
    if skipped:
        lines += ["", "## Files not graded", ""]
        lines += [f"- {code(item.path)}: {markdown(item.reason)}" for item in skipped]
    return "\n".join(lines) + "\n"


def counts(results: list[SubmissionResult]) -> str:
    """How many submissions, graded, with nothing to grade (where any) and ungradable."""
    nothing = sum(r.status is GradeStatus.NOTHING for r in results)
    ungradable = sum(not r.gradable for r in results)
    parts = [f"{len(results) - nothing - ungradable} graded"]
    parts += [f"{nothing} with nothing to grade"] if nothing else []
    return f"{len(results)} submission(s): {', '.join(parts)}, {ungradable} ungradable"


def unlisted(results: list[SubmissionResult]) -> list[str]:
    """The submissions that the export's metadata names no student for."""
    return [r.name for r in results if r.student.unlisted]


def attempted(graded: list[SubmissionResult]) -> list[SubmissionResult]:
    """The graded submissions with code to grade (read, not missing): their failures tell."""
    return [r for r in graded if r.load_error is None and r.status is GradeStatus.GRADED]


def question_stats(graded: list[SubmissionResult]) -> list[dict[str, object]]:
    """Per question: how many graded submissions got full marks, the mean score and the maximum."""
    stats = []
    count = len(graded)
    for index, question in enumerate(QUESTION_IDS):
        scores = [r.questions[index] for r in graded]
        full = sum(q.score == q.max_score for q in scores)
        mean = sum(q.score for q in scores) / max(count, 1)
        maximum = scores[0].max_score if scores else 0
        stats.append(
            {
                "id": question,
                "full": full,
                "count": count,
                "percent": f"{100 * full / max(count, 1):.0f}",
                "mean": f"{mean:.2f}",
                "max": number(maximum),
            }
        )
    return stats


def sandboxes(batch: Batch) -> str:
    """The sandboxes a batch was graded in, with the isolation each achieved."""
    return (
        ", ".join(sorted({f"{r.backend} ({r.isolation})" for r in batch.results}))
        or batch.backend.name
    )


def mean_total(graded: list[SubmissionResult]) -> str:
    return f"{sum(r.total for r in graded) / max(len(graded), 1):.2f}"


def incomplete(graded: list[SubmissionResult]) -> list[tuple[SubmissionResult, str]]:
    """The graded submissions that could not be read, or only in part, and why."""
    return [(r, str(r.load_error or r.partial)) for r in graded if r.load_error or r.partial]


def html(
    batch: Batch,
    seed: int,
    skipped: Sequence[Skipped],
    feedbacks: Sequence[str],
    histogram: bytes,
    folders: Sequence[str],
) -> str:
    """report.html: the same facts as report.md, plus every student's feedback (as feedback.md has
    it, rendered) one click away, and the charts (`histogram` is histogram.png's bytes)."""
    results = batch.results
    graded = [r for r in results if r.gradable]
    anchors = {result.name: f"s{index}" for index, result in enumerate(results)}
    students = []
    for result, text, folder in zip(results, feedbacks, folders, strict=True):
        scores = (
            [number(q.score) for q in result.questions]
            if result.gradable
            else [""] * len(QUESTION_IDS)
        )
        total = number(result.total) if result.gradable else ""
        students.append({"result": result, "scores": list(zip(QUESTION_IDS, scores, strict=True)),
                         "total": total, "folder": folder, "status": status(result),
                         "feedback": report_html.feedback(text)})  # fmt: skip
    unread, nothing, stubs = counted_apart(graded)
    return report_html.render(
        {
            "results": results, "counts": counts(results), "seed": seed,
            "sandboxes": sandboxes(batch), "ungradable": [r for r in results if not r.gradable],
            "warning": batch.warning, "unlisted": unlisted(results),
            "anchors": anchors, "questions": question_stats(graded),
            "mean_total": mean_total(graded), "metadata": METADATA,
            "groups": failure_groups(attempted(graded)), "unread": unread, "nothing": nothing,
            "stubs": stubs,
            "students": students, "question_ids": QUESTION_IDS, "incomplete": incomplete(graded),
            "skipped": skipped, "histogram": report_html.png(histogram),
            "pass_rates": report_html.png(pass_rates_png(graded)),
        }
    )  # fmt: skip


def counted_apart(results: list[SubmissionResult]) -> tuple[int, int, list[tuple[str, int]]]:
    """How many submissions could not be read, how many had nothing to grade, and per question how
    many others left its stub."""
    unread = sum(r.load_error is not None for r in results)
    nothing = sum(r.status is GradeStatus.NOTHING for r in results)
    stubs = Counter(q.question for r in attempted(results) for q in r.questions if is_untouched(q))
    counted = [(question, stubs[question]) for question in QUESTION_IDS if stubs[question]]
    return unread, nothing, counted


def untouched(results: list[SubmissionResult]) -> str:
    unread, nothing, stubs = counted_apart(results)
    apart = [f"{unread} unreadable", *([f"{nothing} with nothing to grade"] if nothing else [])]
    return ", ".join([*apart, *(f"`{q}` untouched in {n}" for q, n in stubs)])


def is_untouched(question: QuestionResult) -> bool:
    return all(
        check.failure is not None and check.failure.reason == UNTOUCHED for check in question.checks
    )


def cell(text: str) -> str:
    """Text in one cell of a Markdown table: one line, neutralised."""
    return in_cell(markdown(line(text, 300)))


PIPE = re.compile(r"(?<!\\)((?:\\\\)*)\|")
"""A pipe that would end a table's cell: unescaped, as in a code span (GitHub unescapes `\\|`)."""


def in_cell(text: str) -> str:
    """Markdown made to stay in one cell of a table."""
    return PIPE.sub(r"\1\\|", text)


def load_charts() -> None:
    """Import matplotlib for the charts (0.3-0.5 s): `convkit grade` does it in a thread while
    judges grade. An import that fails is left to the charts, which then say why."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401
    except Exception:  # noqa: BLE001, S110 - raised again where the charts are drawn
        pass


def figure_png(draw: Callable[[Any], None]) -> bytes:
    """A small chart as PNG bytes, without the file's creation time (the same data gives the same
    bytes)."""
    load_charts()
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.5))
    draw(axes)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def score_bars(totals: list[float]) -> tuple[list[float], list[int], float]:
    """One bar per total score that someone got (where, how many), and a width that leaves a gap
    between neighbours: 29 and 31 are two bars, and so are 29 and 29.5."""
    counts = Counter(totals)
    scores = sorted(counts)
    step = min([1.0, *(b - a for a, b in zip(scores, scores[1:], strict=False))])
    return scores, [counts[score] for score in scores], 0.7 * step


def histogram_png(results: list[SubmissionResult]) -> bytes:
    from matplotlib.ticker import MaxNLocator

    maximum = results[0].max_total if results else 1
    scores, counts, width = score_bars([r.total for r in results])

    def draw(axes: Any) -> None:
        axes.bar(scores, counts, width=width, color="#3b6ea8")
        axes.set_xlim(-0.75, maximum + 0.75)
        axes.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
        axes.set_xlabel(f"total score (out of {number(maximum)})")
        axes.set_ylabel("submissions")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_title(f"convkit: {len(results)} submission(s)")

    return figure_png(draw)


def pass_rates_png(results: list[SubmissionResult]) -> bytes:
    stats = question_stats(results)

    def draw(axes: Any) -> None:
        axes.barh(
            [q["id"] for q in stats][::-1],
            [float(str(q["percent"])) for q in stats][::-1],
            color="#3b6ea8",
        )
        axes.set_xlim(0, 100)
        axes.set_xlabel("% of graded submissions with full marks")

    return figure_png(draw)
