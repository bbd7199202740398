"""Feedback as a student reads it, rendered from structured results at the edge, in two styles:
Markdown for Gradescope's results.json and each submission's feedback.md, plain text for
PrairieLearn (which shows it preformatted, Markdown and all); one line per check for logs.

Per question: a one-line summary, then each failed check as a list item, the named bug first (what
went wrong and the fix), then what was seen, then the smallest failing input and the expected and
actual values as small aligned grids with the first wrong position. Numbers have at most four
significant digits and no line is longer than LINE characters.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from convkit.output.escaping import block_start, code, line, markdown
from convkit.output.escaping import text as neutral_text
from convkit.output.numbers import num
from convkit.results import CheckResult, Failure, QuestionResult, Shown, SubmissionResult, Value

LINE = 200
INDENT = 4
"""How far feedback indents a value's lines: a list item's two spaces, then a grid's."""
DECIMAL = re.compile(r"(?<![\w.])-?\d+\.\d+(?:e[-+]?\d+)?(?![\w.])")


def significant(number: str) -> int:
    """How many significant digits a written decimal has: 0.0012 has 2, 12.340 has 5."""
    mantissa = number.lstrip("-").split("e")[0].replace(".", "").lstrip("0")
    return len(mantissa)


def readable(text: str) -> str:
    """Text with every decimal of more than four significant digits rounded to four (student
    messages too)."""
    return DECIMAL.sub(
        lambda match: (
            num(float(match.group())) if significant(match.group()) > 4 else match.group()
        ),
        text,
    )


@dataclass(frozen=True)
class Style:
    """How feedback marks up the same structured results."""

    escape: Callable[[str], str]
    """Student text (exception messages, printed output) made harmless for this kind of output."""
    strong: Callable[[str], str]
    block: Callable[[list[str]], list[str]]
    """A failing call's values, set apart under their list item."""
    continued: Callable[[str], str]
    """A line that wrapping starts."""


def _fenced(rows: list[str]) -> list[str]:
    fenced = [f"  {row}".replace("```", "'''") for row in rows]  # no row ends the fence
    return ["", "  ```", *fenced, "  ```"]


MARKDOWN = Style(markdown, lambda words: f"**{words}**", _fenced, block_start)
"""Gradescope's results.json and feedback.md."""
PLAIN = Style(neutral_text, str, lambda rows: [f"    {row}" for row in rows], str)
"""PrairieLearn's results.json, whose texts it shows as they are, preformatted."""


def lines(text: str, indent: str = "", style: Style = MARKDOWN) -> list[str]:
    """`text` as lines of at most LINE characters, each starting with `indent`. In Markdown, a line
    that wrapping starts (in a student's message, say) starts no block: `# x` is escaped."""
    out = []
    for row in readable(text).splitlines() or [""]:
        width = LINE - len(indent) - 1  # room for the escape
        wrapped = textwrap.wrap(row, width, subsequent_indent="  ", break_on_hyphens=False)
        out += [*wrapped[:1], *map(style.continued, wrapped[1:])] or [""]
    return [indent + row for row in out]


def describe(failure: Failure) -> str:
    """A failure in one line, for logs: the named bug first, then what was seen."""
    return line(readable(f"{failure.bug} — {failure.detail}" if failure.bug else failure.detail))


def grid(value: Value) -> list[str]:
    """A value as aligned rows of numbers (a tensor small enough to read), else a few words."""
    entries = value.entries
    if entries is None:
        too_large = f"a tensor of shape {value.shape} (too large to show)"
        return [line(value.text, LINE - INDENT) if value.text else too_large]
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
    out = (
        [f"{'smallest failing input' if shown.shrunk else 'input'} for {shown.call}:"]
        if shown.inputs
        else []
    )
    for name, value in shown.inputs:
        out += [f"{name}{_shape(value)} =", *("  " + row for row in grid(value))]
    if shown.expected is not None:
        out += [f"expected{_shape(shown.expected)}:", *("  " + row for row in grid(shown.expected))]
    if shown.actual is not None:
        out += [f"got{_shape(shown.actual)}:", *("  " + row for row in grid(shown.actual))]
    if shown.first_wrong is not None:
        index, expected, actual = shown.first_wrong
        # they read the same in four digits
        off = f" (off by {num(actual - expected)})" if num(expected) == num(actual) else ""
        out.append(
            f"first wrong at {list(index)}: expected {num(expected)}, got {num(actual)}{off}"
        )
    return out


def _shape(value: Value) -> str:
    return f" {value.shape}" if value.shape is not None else ""


def check_feedback(check: CheckResult, said: str | None, style: Style) -> list[str]:
    """One check as a list item; its bug is left out when the question's summary `said` it
    already."""
    score = f"({num(check.score)}/{num(check.points)})"
    if check.failure is None:
        return [f"- ✓ {check.name} {score}"]
    failure = check.failure
    bug = f"{style.strong(f'{failure.bug}.')} " if failure.bug and failure.bug != said else ""
    seen = (
        f"Seen: {failure.effect}. "
        if failure.effect and not failure.bug and failure.effect != said
        else ""
    )
    head = f"- ✗ {style.strong(check.name)} {score}: {bug}{seen}{style.escape(failure.detail)}"
    out = lines(head, style=style)
    if failure.shown is not None and (failure.shown.inputs or failure.shown.actual is not None):
        out += style.block(shown_lines(failure.shown))
    return out


def check_markdown(check: CheckResult, said: str | None = None) -> list[str]:
    return check_feedback(check, said, MARKDOWN)


def headline(failed: list[CheckResult]) -> str | None:
    """What a question's summary says of its failed checks: the one bug they name (named only on
    proof), else, where none names a bug, what the first of them shows (never a cause); None where
    checks name different bugs."""
    bugs = sorted({check.failure.bug for check in failed if check.failure and check.failure.bug})
    if bugs:
        return bugs[0] if len(bugs) == 1 else None
    return next(
        (check.failure.effect for check in failed if check.failure and check.failure.effect), None
    )


def summary(question: QuestionResult, style: Style) -> str:
    """A question's one-line summary: its points, and the bug its failed checks name (or what they
    show)."""
    failed = [check for check in question.checks if not check.passed]
    said = headline(failed)
    out = style.strong(f"{num(question.score)} of {num(question.max_score)} points.")
    if not failed:
        return out + " Every check passed."
    named = f": {style.strong(f'{said}.')}" if said else "."
    return out + f" {len(failed)} of {len(question.checks)} checks failed{named}"


def question_head(question: QuestionResult, partial: str | None, style: Style) -> list[str]:
    """What a question's feedback says first: why it was graded only in part (if so), its summary,
    and what the from-scratch policy found."""
    out = lines(style.escape(partial), style=style) + [""] if partial else []
    out += lines(summary(question, style), style=style)
    if question.scratch:
        cost = (
            "so this question scores 0" if question.forfeited else "no points were taken off for it"
        )
        heading = "Maybe not from scratch:" if question.unsure else "Not from scratch:"
        found = f"{style.strong(heading)} {style.escape(question.scratch)}; {cost}."
        out += ["", *lines(found, style=style)]
    return out


def question_checks(question: QuestionResult, style: Style) -> list[str]:
    """A question's checks, the failed ones first."""
    failed = [check for check in question.checks if not check.passed]
    said = headline(failed)
    ordered = [*failed, *(check for check in question.checks if check.passed)]
    return [row for check in ordered for row in check_feedback(check, said, style)]


def question_markdown(question: QuestionResult, partial: str | None = None) -> str:
    """One question's feedback in Markdown: its head, then its checks."""
    head = question_head(question, partial, MARKDOWN)
    return "\n".join([*head, "", *question_checks(question, MARKDOWN)]).strip() + "\n"


def submission_markdown(result: SubmissionResult, overall: str) -> str:
    """The whole feedback of a submission, as convkit grade writes it to feedback.md."""
    parts = [f"# Feedback for {code(result.name)}", "", *lines(overall), ""]
    for question in result.questions:
        parts += [f"## `{question.question}`", "", question_markdown(question, result.partial)]
    return "\n".join(parts)


def check_lines(result: SubmissionResult) -> list[str]:
    """Every failed check of a submission as `[question / check] failure`, for logs and tests."""
    return [
        f"[{c.question} / {c.name}] {describe(c.failure)}"
        for q in result.questions
        for c in q.checks
        if c.failure is not None
    ]
