"""The instructor's report as one self-contained web page: no network, images inline, student text only as
text nodes (Jinja2 escapes everything), and a Content-Security-Policy that allows one script, by its hash: the
table sorting below."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import jinja2
import markupsafe

from . import neutral

PAGE_LIMIT = 200_000
"""Longer than any feedback text: student text was capped where it entered the judge's results."""

SORT_SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, column) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.from(body.rows), up = th.dataset.order !== "up";
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


def render(context: dict[str, Any]) -> str:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("convkit", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=visible,
    )
    return environment.get_template("report.html").render(**context, script=SORT_SCRIPT, script_hash=script_hash())


def visible(value: Any) -> Any:
    """Every value the page shows, with control characters as visible escapes (then HTML-escaped)."""
    return neutral.text(value, limit=PAGE_LIMIT) if isinstance(value, str) and not isinstance(value, markupsafe.Markup) else value


def png(data: bytes) -> str:
    return base64.b64encode(data).decode()
