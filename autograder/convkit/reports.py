"""What a grading run writes: grades.csv, Gradescope results.json per submission, and the instructor's report.

Results arrive as structured data (`convkit.judge.results`) and become text only here. An ungradable submission
(the grader's fault) has no score anywhere: empty cells in grades.csv, no score in its results.json, listed first
in the report and left out of every statistic.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .feedback import question_markdown, readable, submission_markdown
from .judge.batch import Batch
from .judge.results import SubmissionResult
from .questions import QUESTION_IDS

CSV_HEADER = ["submission", *QUESTION_IDS, "total", "status", "seed"]
EXAMPLES = 15


def number(value: float) -> str:
    return f"{value:g}"


def folder_names(results: list[SubmissionResult]) -> list[str]:
    """One output folder per submission, named by its file; repeated names get a suffix."""
    seen: Counter[str] = Counter()
    names = []
    for result in results:
        seen[result.name] += 1
        names.append(result.name if seen[result.name] == 1 else f"{result.name}-{seen[result.name]}")
    return names


def status(result: SubmissionResult) -> str:
    return str(result.status) if result.gradable else f"{result.status}: {result.problem}"


def write_all(batch: Batch, out: Path, seed: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    results = batch.results
    with (out / "grades.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for result in results:
            scores = (
                [number(q.score) for q in result.questions] + [number(result.total)] if result.gradable else [""] * (len(QUESTION_IDS) + 1)
            )
            writer.writerow([result.name, *scores, status(result), result.seed])
    for name, result in zip(folder_names(results), results, strict=True):
        folder = out / name
        folder.mkdir(exist_ok=True)
        graded = gradescope(result)
        (folder / "results.json").write_text(json.dumps(graded, indent=2) + "\n")
        (folder / "feedback.md").write_text(submission_markdown(result, str(graded["output"])))
    (out / "report.md").write_text(report(batch, seed))
    histogram([r for r in results if r.gradable], out / "histogram.png")


def sandbox_line(result: SubmissionResult) -> str:
    return f"Graded by convkit ({result.backend} sandbox, isolation {result.isolation}, seed {result.seed})."


MARKDOWN = {"output_format": "md", "test_output_format": "md"}
"""Gradescope renders the top-level output and every test's output as Markdown."""


def mark_markdown(path: Path) -> None:
    """Mark a results.json that otter wrote on Gradescope as Markdown, as `gradescope` does: the zip's
    run_autograder calls this (`python -m convkit.reports FILE`) after otter, which has no such option."""
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, **MARKDOWN}, indent=4) + "\n")


def gradescope(result: SubmissionResult) -> dict[str, object]:
    """Gradescope's results.json, in Markdown; an ungradable submission gets no score at all, and says why."""
    extra = {"status": str(result.status), "seed": result.seed, "backend": result.backend, "isolation": result.isolation}
    if not result.gradable:
        return {
            "output": f"This submission could not be graded: {result.problem}. This is the grader's fault, not the "
            "submission's; your instructor will regrade it.",
            "tests": [{"name": q.question, "status": "failed", "output": "not graded", "visibility": "visible"} for q in result.questions],
            **MARKDOWN,
            "extra_data": extra,
        }
    notes = [f"This submission could not be read: {result.load_error}"] if result.load_error else []
    return {
        "score": result.total,
        "output": "\n\n".join(readable(line) for line in [*notes, *result.notes, sandbox_line(result)]),
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


@dataclass
class FailureGroup:
    """The submissions that fail one question the same way: the same named bug, or the same reason."""

    question: str
    what: str
    submissions: set[str] = field(default_factory=set)
    checks: list[str] = field(default_factory=list)
    example: str = ""


def failure_groups(results: list[SubmissionResult]) -> list[FailureGroup]:
    """Failures grouped by question and by named bug (or reason where no bug is named), most common first."""
    groups: dict[tuple[str, str], FailureGroup] = {}
    for result in results:
        for question in result.questions:
            for check in question.checks:
                if check.failure is None:
                    continue
                what = check.failure.bug or check.failure.reason
                group = groups.setdefault((question.question, what), FailureGroup(question.question, what))
                group.submissions.add(result.name)
                if check.name not in group.checks:
                    group.checks.append(check.name)
                group.example = group.example or check.failure.detail
    return sorted(groups.values(), key=lambda g: (-len(g.submissions), QUESTION_IDS.index(g.question), g.what))


def report(batch: Batch, seed: int) -> str:
    results = batch.results
    graded = [r for r in results if r.gradable]
    ungradable = [r for r in results if not r.gradable]
    isolations = sorted({f"{r.backend} ({r.isolation})" for r in results})
    lines = [
        "# convkit grading report",
        "",
        f"{len(results)} submission(s): {len(graded)} graded, {len(ungradable)} ungradable; seed {seed}; "
        f"sandbox {', '.join(isolations) or batch.backend.name}.",
    ]
    if batch.warning:
        lines += ["", f"**Warning:** {batch.warning}."]
    if ungradable:
        lines += ["", "## Ungradable submissions (the grader's fault: no score)", ""]
        lines += [f"- `{r.name}`: {r.problem}" for r in ungradable]
    count = len(graded)
    lines += ["", "## Questions", "", "| question | full marks | mean score | max |", "|---|---|---|---|"]
    for index, question in enumerate(QUESTION_IDS):
        scores = [r.questions[index] for r in graded]
        full = sum(q.score == q.max_score for q in scores)
        mean = sum(q.score for q in scores) / max(count, 1)
        maximum = scores[0].max_score if scores else 0
        lines.append(f"| `{question}` | {full}/{count} ({100 * full / max(count, 1):.0f}%) | {mean:.2f} | {number(maximum)} |")
    totals = [r.total for r in graded]
    lines += ["", f"Mean total {sum(totals) / max(count, 1):.2f}; histogram in `histogram.png`.", ""]
    lines += ["## Most common failures", "", "| submissions | question | bug or reason | checks | example |", "|---|---|---|---|---|"]
    for group in failure_groups(graded)[:EXAMPLES]:
        checks = cell(", ".join(group.checks))
        lines.append(f"| {len(group.submissions)} | `{group.question}` | {cell(group.what)} | {checks} | {cell(group.example)} |")
    partial = [(r.name, r.load_error or r.partial) for r in graded if r.load_error or r.partial]
    if partial:
        lines += ["", "## Submissions that could not be fully graded", ""] + [f"- `{name}`: {why}" for name, why in partial]
    return "\n".join(lines) + "\n"


def cell(text: str) -> str:
    return " ".join(text.replace("|", "/").split())


def histogram(results: list[SubmissionResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.5))
    maximum = results[0].max_total if results else 1
    axes.hist([r.total for r in results], bins=min(20, max(1, int(maximum))), range=(0, maximum), color="#3b6ea8")
    axes.set_xlabel(f"total score (out of {number(maximum)})")
    axes.set_ylabel("submissions")
    axes.set_title(f"convkit: {len(results)} submission(s)")
    figure.tight_layout()
    figure.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(figure)


if __name__ == "__main__":
    mark_markdown(Path(sys.argv[1]))
