"""Feedback as a student reads it, rendered from structured results at the edge: Markdown for Gradescope's
results.json and each submission's feedback.md, one line per check for logs.

Per question: a one-line summary, then each failed check as a list item, the named bug first (what went wrong
and the fix), then what was seen, then the smallest failing input and the expected and actual values as small
aligned grids with the first wrong position. Numbers have at most four significant digits and no line is
longer than LINE characters.
"""

from __future__ import annotations

import re
import textwrap

from .judge.results import CheckResult, Failure, QuestionResult, Shown, SubmissionResult, Value
from .judge.values import num
from .neutral import block_start, code, line, markdown

LINE = 200
DECIMAL = re.compile(r"(?<![\w.])-?\d+\.\d+(?:e[-+]?\d+)?(?![\w.])")


def significant(number: str) -> int:
    """How many significant digits a written decimal has: 0.0012 has 2, 12.340 has 5."""
    mantissa = number.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return len(mantissa)


def readable(text: str) -> str:
    """Text with every decimal of more than four significant digits rounded to four (student messages too)."""
    return DECIMAL.sub(lambda match: num(float(match.group())) if significant(match.group()) > 4 else match.group(), text)


def lines(text: str, indent: str = "") -> list[str]:
    """`text` as lines of at most LINE characters, each starting with `indent`. A line that
    wrapping starts (in a student's message, say) starts no Markdown block: `# x` is escaped."""
    out = []
    for row in readable(text).splitlines() or [""]:
        width = LINE - len(indent) - 1  # room for the escape
        wrapped = textwrap.wrap(row, width, subsequent_indent="  ", break_on_hyphens=False)
        out += [*wrapped[:1], *map(block_start, wrapped[1:])] or [""]
    return [indent + row for row in out]


def describe(failure: Failure) -> str:
    """A failure in one line, for logs: the named bug first, then what was seen."""
    return line(readable(f"{failure.bug} — {failure.detail}" if failure.bug else failure.detail))


def grid(value: Value) -> list[str]:
    """A value as aligned rows of numbers (a tensor small enough to read), else a few words."""
    entries = value.entries
    if entries is None:
        return [line(value.text, 200).replace("```", "'''") if value.text else f"a tensor of shape {value.shape} (too large to show)"]
    if not isinstance(entries, list):
        return [num(entries)]
    if entries and isinstance(entries[0], list) and entries[0] and isinstance(entries[0][0], list):
        out = []
        for channel, matrix in enumerate(entries):
            out += [f"[{channel}]", *("  " + row for row in _rows(matrix))]
        return out
    return _rows(entries if entries and isinstance(entries[0], list) else [entries])


def _rows(entries: list[list[float]]) -> list[str]:
    cells = [[num(x) for x in row] for row in entries]
    width = max((len(cell) for row in cells for cell in row), default=1)
    return [" ".join(cell.rjust(width) for cell in row) for row in cells] or ["(empty)"]


def shown_lines(shown: Shown) -> list[str]:
    """The failing call's values, one block after another."""
    out = [f"{'smallest failing input' if shown.shrunk else 'input'} for {shown.call}:"] if shown.inputs else []
    for name, value in shown.inputs:
        out += [f"{name}{_shape(value)} =", *("  " + row for row in grid(value))]
    if shown.expected is not None:
        out += [f"expected{_shape(shown.expected)}:", *("  " + row for row in grid(shown.expected))]
    if shown.actual is not None:
        out += [f"got{_shape(shown.actual)}:", *("  " + row for row in grid(shown.actual))]
    if shown.first_wrong is not None:
        index, expected, actual = shown.first_wrong
        off = f" (off by {num(actual - expected)})" if num(expected) == num(actual) else ""  # they read the same in four digits
        out.append(f"first wrong at {list(index)}: expected {num(expected)}, got {num(actual)}{off}")
    return out


def _shape(value: Value) -> str:
    return f" {value.shape}" if value.shape is not None else ""


def check_markdown(check: CheckResult, said: str | None = None) -> list[str]:
    """One check as a list item; its bug is left out when the question's summary `said` it already."""
    score = f"({num(check.score)}/{num(check.points)})"
    if check.failure is None:
        return [f"- ✓ {check.name} {score}"]
    failure = check.failure
    bug = f"**{failure.bug}.** " if failure.bug and failure.bug != said else ""
    seen = f"Seen: {failure.effect}. " if failure.effect and not failure.bug and failure.effect != said else ""
    head = f"- ✗ **{check.name}** {score}: {bug}{seen}{markdown(failure.detail)}"
    out = lines(head)
    if failure.shown is not None and (failure.shown.inputs or failure.shown.actual is not None):
        out += ["", "  ```", *(f"  {line}" for line in shown_lines(failure.shown)), "  ```"]
    return out


def headline(failed: list[CheckResult]) -> str | None:
    """What a question's summary says of its failed checks: the one bug they name (named only on proof), else, where
    none names a bug, what the first of them shows (never a cause); None where checks name different bugs."""
    bugs = sorted({check.failure.bug for check in failed if check.failure and check.failure.bug})
    if bugs:
        return bugs[0] if len(bugs) == 1 else None
    return next((check.failure.effect for check in failed if check.failure and check.failure.effect), None)


def question_markdown(question: QuestionResult, partial: str | None = None) -> str:
    """One question's feedback: why it was graded only in part (if so), a summary, then its checks."""
    failed = [check for check in question.checks if not check.passed]
    summary = f"**{num(question.score)} of {num(question.max_score)} points.**"
    said = headline(failed)
    if failed:
        summary += f" {len(failed)} of {len(question.checks)} checks failed" + (f": **{said}.**" if said else ".")
    else:
        summary += " Every check passed."
    out = [*(lines(markdown(partial)) + [""] if partial else []), *lines(summary), ""]
    if question.scratch:
        cost = "so this question scores 0" if question.forfeited else "no points were taken off for it"
        heading = "Maybe not from scratch" if question.unsure else "Not from scratch"
        out += [*lines(f"**{heading}:** {markdown(question.scratch)}; {cost}."), ""]
    for check in [*failed, *(c for c in question.checks if c.passed)]:
        out += check_markdown(check, said)
    return "\n".join(out).strip() + "\n"


def submission_markdown(result: SubmissionResult, overall: str) -> str:
    """The whole feedback of a submission, as convkit grade writes it to feedback.md."""
    parts = [f"# Feedback for {code(result.name)}", "", *lines(overall), ""]
    for question in result.questions:
        parts += [f"## `{question.question}`", "", question_markdown(question, result.partial)]
    return "\n".join(parts)


def check_lines(result: SubmissionResult) -> list[str]:
    """Every failed check of a submission as `[question / check] failure`, for logs and tests."""
    return [f"[{c.question} / {c.name}] {describe(c.failure)}" for q in result.questions for c in q.checks if c.failure is not None]
