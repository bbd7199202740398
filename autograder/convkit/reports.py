"""What a grading run writes: grades.csv, Gradescope results.json per submission, and the instructor's report."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from pathlib import Path

from .engine import QuestionResult, SubmissionResult
from .questions import QUESTION_IDS

CSV_HEADER = ["submission", *QUESTION_IDS, "total"]


def number(value: float) -> str:
    return f"{value:g}"


def folder_names(results: list[SubmissionResult]) -> list[str]:
    """One output folder per submission, named by its file; repeated names get a suffix."""
    seen: Counter[str] = Counter()
    names = []
    for result in results:
        name = result.submission.name
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return names


def write_all(results: list[SubmissionResult], out: Path, seed: int, backend: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    names = folder_names(results)
    with (out / "grades.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for result in results:
            writer.writerow([result.submission.name, *(number(q.score) for q in result.questions), number(result.total)])
    for name, result in zip(names, results, strict=True):
        folder = out / name
        folder.mkdir(exist_ok=True)
        (folder / "results.json").write_text(json.dumps(gradescope(result), indent=2) + "\n")
    (out / "report.md").write_text(report(results, seed, backend))
    histogram(results, out / "histogram.png")


def feedback(question: QuestionResult) -> str:
    lines = []
    for result in question.checks:
        mark = "✓" if result.passed else "✗"
        line = f"{mark} {result.check.name} ({number(result.score)}/{number(result.check.points)})"
        lines.append(line if result.passed else f"{line}: {result.message}")
    return "\n".join(lines)


def gradescope(result: SubmissionResult) -> dict[str, object]:
    notes = result.submission.error and f"This submission could not be graded: {result.submission.error}"
    output = "\n".join(filter(None, [notes, *result.notes]))
    return {
        "score": result.total,
        "output": output or "Graded by convkit.",
        "tests": [
            {"name": q.question, "score": q.score, "max_score": q.max_score, "output": feedback(q), "visibility": "visible"}
            for q in result.questions
        ],
    }


def reason(message: str) -> str:
    """The part of a failure message that repeats across students: a named bug, or the message sans data."""
    if " — " in message:
        return message.rsplit(" — ", 1)[1]
    text = re.sub(r"\[[^\]]*\]|\(shape [^)]*\)|(?<![\w.])-?\d+(\.\d+)?(e[-+]?\d+)?(?![\w])", "#", message.split(": ", 1)[-1])
    return " ".join(text.split())[:100]


def report(results: list[SubmissionResult], seed: int, backend: str) -> str:
    count = len(results)
    lines = [
        "# convkit grading report",
        "",
        f"{count} submission(s); seed {seed}; sandbox {backend}.",
        "",
        "| question | full marks | mean score | max |",
        "|---|---|---|---|",
    ]
    for index, question in enumerate(QUESTION_IDS):
        scores = [r.questions[index] for r in results]
        full = sum(q.score == q.max_score for q in scores)
        mean = sum(q.score for q in scores) / max(count, 1)
        maximum = scores[0].max_score if scores else 0
        lines.append(f"| `{question}` | {full}/{count} ({100 * full / max(count, 1):.0f}%) | {mean:.2f} | {number(maximum)} |")
    totals = [r.total for r in results]
    lines += ["", f"Mean total {sum(totals) / max(count, 1):.2f}; histogram in `histogram.png`.", ""]
    failures: Counter[tuple[str, str, str]] = Counter()
    for result in results:
        for question in result.questions:
            for check in question.checks:
                if not check.passed:
                    failures[(question.question, check.check.name, reason(check.message))] += 1
    lines += ["## Most common failure reasons", "", "| count | question | check | reason |", "|---|---|---|---|"]
    for (question, name, why), times in failures.most_common(15):
        lines.append(f"| {times} | `{question}` | {name} | {why.replace('|', '/')} |")
    broken = [(r.submission.name, r.submission.error) for r in results if r.submission.error]
    if broken:
        lines += ["", "## Submissions that could not be graded", ""] + [f"- `{name}`: {why}" for name, why in broken]
    return "\n".join(lines) + "\n"


def histogram(results: list[SubmissionResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.5))
    maximum = sum(q.max_score for q in results[0].questions) if results else 1
    axes.hist([r.total for r in results], bins=min(20, max(1, int(maximum))), range=(0, maximum), color="#3b6ea8")
    axes.set_xlabel(f"total score (out of {number(maximum)})")
    axes.set_ylabel("submissions")
    axes.set_title(f"convkit: {len(results)} submission(s)")
    figure.tight_layout()
    figure.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(figure)
