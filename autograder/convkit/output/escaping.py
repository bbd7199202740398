"""Student-controlled text made harmless for each kind of output, in one place: exception messages,
printed output, file and folder names, notebook cell labels and names from a Gradescope export's
metadata pass through these functions wherever they leave the judge.

- `text`: control characters, ANSI escapes and bidirectional overrides shown as visible escapes
  (`\\x1b`), length capped; for terminals and logs.
- `markdown`: `text`, then every character that could start HTML, a link, an image, emphasis, a
  table cell or a block (heading, list, quote, fence) escaped, and no other: the text reads as it is
  in a terminal too (`corr2d(X, K)`, `a_b`, `{}` stay as they are); code spans on one line are kept.
- `quoted`: student text inside a sentence of the judge's own (`your code raised “...”`), between
  quotation marks it cannot close, so that it never reads as the grader's words.
- `csv_cell`: one line, `<` `>` `&` as entities, and a cell starting with =, +, -, @, tab or
  carriage return is prefixed with an apostrophe, as spreadsheets recommend, so it is never
  evaluated as a formula.
- HTML: the report's template escapes every value (Jinja2 autoescape) after `text`; what report.md
  writes as Markdown (feedback, messages) is rendered with raw HTML, links and images off.
"""

from __future__ import annotations

import html
import re

LIMIT = 2000
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MARKDOWN = re.compile(
    r"\\(?=[!-/:-@\[-`{-~]|\n|$)"  # one that would escape what follows it, or break the line
    r"|<(?=\S)"  # a tag, comment or autolink; `x < 3` is only text
    r"|&(?=#?\w+;)"  # an entity, which could bring back a control character
    r"|[|*]"  # a table cell, emphasis
    r"|](?=[(\[]|$)"  # the end of a link's text or of an image's
    r"|(?<!\w)_++|(?<=[^\W_])_++(?!\w)"  # emphasis: a run of `_` inside a word is only text
)
LINE_START = re.compile(r"^([ \t]*\d*)((?<=\d)[.)]|(?<!\d)[#>+=~[-])", re.MULTILINE)
"""Where a line starts: a heading, quote, list item, setext underline, `~~~` fence, reference."""
FORMULA = ("=", "+", "-", "@", "\t", "\r")
CLOSING = str.maketrans(dict.fromkeys("“”„‟″〝〞〟＂", '"'))
"""Quotation marks, and marks that look like them, which student text could close a quote with."""


def text(value: str, limit: int = LIMIT) -> str:
    """Visible escapes for control characters (newlines and tabs kept), at most `limit`
    characters."""
    shown = CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode(), value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def line(value: str, limit: int = LIMIT) -> str:
    """`text` on one line: newlines and tabs shown as escapes too."""
    return text(value.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t"), limit)


def markdown(value: str, limit: int = LIMIT) -> str:
    """`text` safe inside Markdown: nothing in it becomes HTML, a link, an image, emphasis, a table
    cell or a block. Code spans are kept (their content renders literally) when every backtick pairs
    simply and no span holds a newline (blocks start inside spans); otherwise every backtick is
    escaped too."""
    shown = text(value, limit)
    parts = shown.split("`")
    if "``" in shown or len(parts) % 2 == 0 or any("\n" in span for span in parts[1::2]):
        return _escape(shown).replace("`", "\\`")
    return "`".join(part if index % 2 else _escape(part) for index, part in enumerate(parts))


def _escape(value: str) -> str:
    return block_start(MARKDOWN.sub(lambda match: "\\" + "\\".join(match.group()), value))


def block_start(value: str) -> str:
    """`value` with what would start a Markdown block where a line starts escaped."""
    return LINE_START.sub(r"\1\\\2", value)


def code(value: str, limit: int = 200) -> str:
    """A name shown as a Markdown code span: one line, no backtick that could end the span early."""
    return "`" + line(value, limit).replace("`", "'") + "`"


def quoted(value: str) -> str:
    """`value` on one line between “ and ”, with every mark that could close the quote early made a
    plain double quote: the student's words, told apart from the grader's around them."""
    return "“" + " ".join(value.translate(CLOSING).split()) + "”"


def csv_cell(value: str, limit: int = LIMIT) -> str:
    """One line, `<`, `>` and `&` as HTML entities (CSV files end up in web tools), and never a
    formula."""
    cell = html.escape(line(value, limit), quote=False)
    return "'" + cell if cell.startswith(FORMULA) else cell
