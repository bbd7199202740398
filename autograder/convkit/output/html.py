"""The instructor's report as one self-contained web page: no network, images inline, student text
only as text nodes (Jinja2 escapes everything; Markdown is rendered with raw HTML, links and images
off), and a Content-Security-Policy that allows one script, by its hash: the table sorting below."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

import jinja2
import markupsafe
from markdown_it import MarkdownIt

from convkit.output import escaping

PAGE_LIMIT = 200_000
"""Longer than any feedback text: student text was capped where it entered the judge's results."""

SORT_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, column) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.from(body.rows), up = th.dataset.order !== "up";
      table.querySelectorAll("th").forEach(function (other) { delete other.dataset.order; });
      th.dataset.order = up ? "up" : "down";
      function key(row) {
        var text = row.cells[column].textContent.trim(), number = parseFloat(text);
        return isNaN(number) ? text.toLowerCase() : number;
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (typeof x !== typeof y) { x = String(x); y = String(y); }
        return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


def script_hash(script: str = SORT_SCRIPT) -> str:
    """The CSP source that allows exactly this inline script."""
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


MARKDOWN = MarkdownIt("commonmark", {"html": False})
MARKDOWN.disable(["link", "image", "autolink", "reference", "entity"])
"""Markdown (feedback, messages) as HTML: raw HTML is shown as text, and nothing makes a link, an
image or (by an entity) a character that `escaping.text` made visible, whatever the text holds."""
BREAKS = re.compile(r"(?<=[/_@])")
"""Where a long name may wrap: after a folder, a word of a snake_case name, an email's user."""


def render(context: dict[str, Any]) -> str:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("convkit.output", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=visible,
    )
    environment.filters.update(breakable=breakable, inline=inline)
    page = environment.get_template("report.html")
    return page.render(**context, script=SORT_SCRIPT, script_hash=script_hash())


def visible(value: Any) -> Any:
    """Every value the page shows, with control characters as visible escapes (then
    HTML-escaped)."""
    return (
        escaping.text(value, limit=PAGE_LIMIT)
        if isinstance(value, str) and not isinstance(value, markupsafe.Markup)
        else value
    )


def breakable(value: str) -> markupsafe.Markup:
    """A name as the page shows it (`visible`), with places to wrap where a reader would."""
    return markupsafe.Markup("<wbr>").join(BREAKS.split(visible(value)))


def inline(value: str) -> markupsafe.Markup:
    """A line that report.md writes as Markdown (a message, a reason), rendered as report.md reads:
    neutralised there and here (`corr2d` in backticks is code)."""
    return markupsafe.Markup(MARKDOWN.renderInline(escaping.markdown(value, limit=PAGE_LIMIT)))


def feedback(text: str) -> markupsafe.Markup:
    """A submission's feedback.md as HTML, under the panel's own heading (instead of the file's)."""
    tokens = MARKDOWN.parse(visible(text))
    if tokens and tokens[0].tag == "h1":
        tokens = tokens[3:]  # heading_open, its inline text, heading_close
    for token in tokens:
        if token.tag in ("h1", "h2", "h3"):
            token.tag = f"h{int(token.tag[1]) + 2}"  # the page's h2 section holds the panel's h3
    return markupsafe.Markup(MARKDOWN.renderer.render(tokens, MARKDOWN.options, {}))


def png(data: bytes) -> str:
    return base64.b64encode(data).decode()
