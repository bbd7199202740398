"""Student-controlled text made harmless for each kind of output, in one place: exception messages, printed
output, file and folder names, notebook cell labels and names from a Gradescope export's metadata pass through
these functions wherever they leave the judge.

- `text`: control characters, ANSI escapes and bidirectional overrides shown as visible escapes (`\\x1b`),
  length capped; for terminals and logs.
- `markdown`: `text`, then HTML and Markdown syntax escaped (no raw HTML, no links or images, no table rows
  or headings); code spans are kept.
- `csv_cell`: one line, `<` `>` `&` as entities, and a cell starting with =, +, -, @, tab or carriage return is prefixed with an
  apostrophe, as spreadsheets recommend, so it is never evaluated as a formula.
- HTML: the report's template escapes every value (Jinja2 autoescape) after `text`.
"""

from __future__ import annotations

import html
import re

LIMIT = 2000
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MARKDOWN = re.compile(r"([\\\[\]()<>|!*_{}])")
LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])", re.MULTILINE)
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def text(value: str, limit: int = LIMIT) -> str:
    """Visible escapes for control characters (newlines and tabs kept), at most `limit` characters."""
    shown = CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode(), value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def line(value: str, limit: int = LIMIT) -> str:
    """`text` on one line: newlines and tabs shown as escapes too."""
    return text(value.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t"), limit)


def markdown(value: str, limit: int = LIMIT) -> str:
    """`text` safe inside Markdown: nothing in it becomes HTML, a link, an image, a table row or a heading.
    Code spans are kept (their content renders literally) when every backtick pairs simply; otherwise every
    backtick is escaped too."""
    shown = text(value, limit)
    parts = shown.split("`")
    if "``" in shown or len(parts) % 2 == 0:
        return _escape(shown).replace("`", "\\`")
    return "`".join(part if index % 2 else _escape(part) for index, part in enumerate(parts))


def _escape(value: str) -> str:
    escaped = MARKDOWN.sub(r"\\\1", value.replace("&", "&amp;"))
    return LINE_START.sub(lambda match: match.group(1) + "\\" + match.group(2), escaped)


def code(value: str, limit: int = 200) -> str:
    """A name shown as a Markdown code span: one line, no backtick that could end the span early."""
    return "`" + line(value, limit).replace("`", "'") + "`"


def csv_cell(value: str, limit: int = LIMIT) -> str:
    """One line, `<`, `>` and `&` as HTML entities (CSV files end up in web tools), and never a formula."""
    cell = html.escape(line(value, limit), quote=False)
    return "'" + cell if cell.startswith(FORMULA) else cell
