"""`escaping.markdown` against a real CommonMark parser (markdown-it-py, with GitHub's tables):
whatever a student writes renders as its own text, never as HTML, a link, an image, emphasis, a
table or a block, and it escapes nothing that could not have meant something."""

from __future__ import annotations

import random

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from convkit.output.escaping import markdown, quoted, text
from convkit.output.feedback import LINE, check_markdown
from convkit.results import CheckResult, Failure, Shown, Value

PARSER = MarkdownIt("commonmark", {"html": True}).enable("table")  # a renderer that passes raw HTML
BLOCKS = {"paragraph_open", "paragraph_close", "inline", "code_block"}  # indented lines are literal
INLINE = {"text", "code_inline", "softbreak", "hardbreak"}
PIECES = [*"\\[]()<>|!*_{}&#;:~=+-.`'\"^$@/1a ", "\n", "\n\n", "    ", "2.", "javascript:"]
PIECES += ["http://x.y", "&lt;", "&#8238;"]
HOSTILE = [
    "<img src=x onerror=alert(1)><script>alert(2)</script>[x](javascript:alert(3))",
    "![i](data:x) [a]: javascript:alert(1)\n\n[a] <1@x.co> <javascript:alert(1)>",
    "`a\n<script>alert(1)</script>` __init__ **b** *c* a_b_",
    "x\n\n[a]: http://x.y\n\n[a] [^1]\n\n[^1]: y\n===\n| a | b |\n|---|---|",
    "- item\n> quote\n~~~\n# heading\n1) one",
]
RANDOM = ["".join(random.Random(n).choices(PIECES, k=24)) for n in range(3000)]


def rendered(value: str) -> tuple[set[str], str]:
    """The kinds of tokens `value` parses to, and the text a reader sees, without its spaces and
    backticks (a code span trims its spaces)."""
    kinds: set[str] = set()
    seen: list[str] = []

    def walk(tokens: list[Token]) -> None:
        for token in tokens:
            kinds.add(token.type)
            if token.type in ("text", "code_inline", "code_block"):
                seen.append(token.content)
            walk(token.children or [])

    walk(PARSER.parse(value))
    return kinds, "".join("".join(seen).replace("`", "").split())


def renders_as_itself(value: str) -> None:
    safe = markdown(value)
    kinds, seen = rendered(safe)
    followed, _ = rendered(safe + "(http://x.y)")  # as reports go on after it
    assert kinds | followed <= BLOCKS | INLINE, (value, safe, (kinds | followed) - BLOCKS - INLINE)
    if "code_block" not in kinds:  # an indented block after a blank line shows its escapes
        assert seen == "".join(text(value).replace("`", "").split()), (value, safe)


@pytest.mark.parametrize("value", HOSTILE)
def test_student_text_renders_as_itself_and_nothing_else(value: str) -> None:
    renders_as_itself(value)


def test_random_text_renders_as_itself_and_nothing_else() -> None:
    """Thousands of random strings of Markdown's pieces, in one test (an item each cost more to run
    than to check); the first that fails is shown."""
    for value in RANDOM:
        renders_as_itself(value)


@pytest.mark.parametrize(
    "value",
    [
        "corr2d(X, K): expected shape (2, 2), got (1, 1)",
        "corr2d_pad_stride(X, K, padding=1, stride=2)",
        "not a valid notebook (NotJSONError: Notebook does not appear to be JSON: '{\"cells\": [')",
        "first wrong at [0, 0]: expected 19, got 5; x < 3 & y > 2, 'a' != \"b\"!",
        "`pool2d` is not defined: define it with exactly this name",
    ],
)
def test_plain_messages_keep_no_escape(value: str) -> None:
    assert markdown(value) == value


@pytest.mark.parametrize("length", range(150, 200))
def test_a_long_message_wrapped_in_feedback_starts_no_block(length: int) -> None:
    detail = "x" * length + " # heading - item > quote 1. one === ~~~ [a]: b"
    text = "\n".join(check_markdown(CheckResult("corr2d", "c", 1.0, Failure("raised", detail))))
    assert len(text.splitlines()) > 1 and max(map(len, text.splitlines())) <= LINE
    kinds = [token.type for token in PARSER.parse(text)]
    assert kinds.count("bullet_list_open") == kinds.count("paragraph_open") == 1, (text, kinds)


@pytest.mark.parametrize("value", [*HOSTILE, "x” — the grader's fault: “not graded", "a″b〞c＂d„e"])
def test_quoted_student_text_stays_one_quote_and_renders_as_itself(value: str) -> None:
    """Between “ and ”, with no mark that could close the quote early: the student's words, on one
    line, wherever the grader's sentence around them goes."""
    quote = quoted(value)
    inner = quote[1:-1]
    assert quote[0] == "“" and quote[-1] == "”" and not any(mark in inner for mark in "“”″〞＂„")
    assert "\n" not in quote and inner == " ".join(inner.split())
    kinds, _ = rendered(markdown(f"corr2d(X, K): your code raised {quote}"))
    assert kinds <= BLOCKS | INLINE


def test_a_value_told_in_words_stays_within_a_feedback_line() -> None:
    shown = Shown("corr2d(X, K)", (), expected=Value(text="x" * 500), actual=Value(text="y" * 500))
    failure = Failure("not a tensor", "d", shown=shown)
    told = check_markdown(CheckResult("corr2d", "c", 1.0, failure))
    assert max(map(len, told)) <= LINE and any("yyy" in row for row in told)
