"""Source read a piece at a time: the same statements as one parse of the whole text, Python's own
syntax error, and the statements above it, never one cut inside a statement."""

from __future__ import annotations

import ast

import pytest

from convkit.errors import Unparsable
from convkit.grading import source
from convkit.grading.source import Source
from tests.conftest import REPO

FOLDERS = ("autograder", "tests", "solutions")
FILES = sorted(path for folder in FOLDERS for path in (REPO / folder).rglob("*.py"))


def spans(nodes: list[ast.stmt], shift: int = 0) -> list[tuple[int, int]]:
    """The lines each statement spans, from its first decorator, below `shift` lines."""
    found = []
    for node in nodes:
        decorators = getattr(node, "decorator_list", None)
        first = (decorators[0] if decorators else node).lineno
        found.append((shift + first, shift + (node.end_lineno or 0)))
    return found


def pieces(text: str) -> list[tuple[int, int]]:
    """What `Source` reads, a run of literal lines taken apart by parsing it."""
    found, lines = [], Source(text).text.split("\n")
    for statement in Source(text).statements(type):
        if statement.what is None:
            run = "\n".join(lines[statement.first - 1 : statement.last])
            found += spans(ast.parse(run).body, statement.first - 1)
        else:
            found.append((statement.first, statement.last))
    return found


@pytest.mark.parametrize("piece", [1, 200, source.PIECE])
def test_pieces_find_the_statements_of_one_parse(
    piece: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(source, "PIECE", piece)
    for path in FILES:
        text = path.read_text()
        assert pieces(text) == spans(ast.parse(text).body), path


def read(text: str) -> tuple[list[tuple[int, int]], Unparsable]:
    found = []
    with pytest.raises(Unparsable) as raised:
        found += ((s.first, s.last) for s in Source(text).statements(type))
    return found, raised.value


@pytest.mark.parametrize("piece", [1, source.PIECE])
def test_a_syntax_error_is_pythons_and_the_statements_above_it_are_read(
    piece: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(source, "PIECE", piece)
    text = 'import os\n\nx = [\n1,\n2]\ns = """\ndef g(:\n"""\n'
    text += "def f(X:\n    return X\n\ndef h():\n    pass\n"
    found, error = read(text)
    assert found == [(1, 1), (3, 5), (6, 8)] and (error.line, error.rest) == (9, 9)
    with pytest.raises(SyntaxError) as python:
        ast.parse(text)
    assert error.what == f"SyntaxError: {python.value.msg}"
    assert source.defined_names(Source(text).lines(error.rest)) == {"f", "h"}


def test_the_statements_above_an_error_never_end_inside_one() -> None:
    # a stray bracket in the first column ends the block above it for Python too; an `else` does not
    found, error = read("import os\ndef f():\n    return 1\n)x = 2\n")
    assert found == [(1, 1), (2, 3)] and (error.line, error.rest) == (4, 4)
    found, error = read("import os\nif os:\n    x = 1\nelse x = 2\n")
    assert found == [(1, 1)] and (error.line, error.rest) == (4, 2)
    found, error = read("x = (\n" + "0,\n" * 1000)  # never closed: one try, no walk over its lines
    assert found == [] and (error.line, error.what) == (1, "SyntaxError: '(' was never closed")


def test_a_long_run_of_literals_is_read_without_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(source, "_parsed", lambda piece: pytest.fail(f"parsed {piece[:20]!r}"))
    text = "x = 1  # one\n\n" + "0\n-2.5\nNone\n...\npass\n" * 1000 + "y = True\n"
    assert [tuple(s) for s in Source(text).statements(type)] == [(None, 1, 5003)]


def test_a_segment_is_one_statements_text_alone() -> None:
    """What the from-scratch policy parses again: each top-level statement's own text (columns in
    UTF-8 bytes), where others share its lines; in the kit's own files, the same tree as the whole
    file's parse gives."""
    assert segments("a = 1; import é as b\nx = (\n  2); y = 'é' + c\n") == [
        "a = 1",
        "import é as b",
        "x = (\n  2)",
        "y = 'é' + c",
    ]
    for path in FILES:
        text = Source(path.read_text()).text
        assert [ast.dump(ast.parse(s).body[0]) for s in segments(text)] == [
            ast.dump(n) for n in ast.parse(text).body
        ], path


def segments(text: str) -> list[str]:
    """Each top-level statement's segment, from its first decorator."""
    read, nodes = Source(text), ast.parse(text).body
    return [
        read.segment(first, last, n.col_offset, n.end_col_offset or 0)
        for n, (first, last) in zip(nodes, spans(nodes), strict=True)
    ]
