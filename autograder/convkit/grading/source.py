"""Python source read by the judge a piece at a time, never run: its top-level statements, in time
and memory linear in its size.

One syntax tree of a whole large file costs hundreds of MB (about 750 MB for 1 MB of one-character
statements) and, while it lives, the garbage collector's passes over it. So the text is parsed in
pieces of about `PIECE` characters, each ending where a top-level statement may start
(`CANDIDATE`), and each piece's tree is dropped before the next is made. A piece that does not
parse (it ended inside a statement, or holds a syntax error) is tried again twice as long, so each
character is parsed a bounded number of times. Runs of literal lines are read without parsing.
"""

from __future__ import annotations

import ast
import gc
import keyword
import re
import warnings
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Generic, NamedTuple, TypeVar

from convkit.errors import Unparsable

T = TypeVar("T")
Reader = Callable[[ast.stmt], T]
"""What the caller makes of each statement's syntax tree, which is dropped after."""
PIECE = 1 << 12
"""Characters parsed at once, about: small pieces parse fastest (their trees fit the caches)."""
_CONTINUES = r"(?:else|elif|except|finally)\b"
CANDIDATE = re.compile(rf"^(?=[^\s#)\]}}\\])(?!{_CONTINUES})", re.MULTILINE)
"""Where a top-level statement may start: a line that starts with none of whitespace, a comment,
a closing bracket, a backslash or a keyword that continues a statement. Every real start is one; a
line inside a bracket or a string may be one too, which is why a piece is taken once it parses."""
CUT = re.compile(rf"^(?=\S)(?!{_CONTINUES})", re.MULTILINE)
"""Where the statements above a syntax error may end: a line that starts in its first column (so it
continues no block above it) with anything but a keyword that continues a statement. The error's
own line may start with a stray bracket; a line inside a bracket or a string does not parse."""
_VALUE = r"(?:-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|None|True|False|\.\.\.)"
_NAME = rf"(?!(?:{'|'.join(keyword.kwlist)}|__debug__)\b)[A-Za-z_][A-Za-z0-9_]*"
_STATEMENT = rf"(?:{_NAME}[ \t]*=[ \t]*{_VALUE}|{_VALUE}|pass)"
_END = r"[ \t]*(?:#[^\n]*)?\n"
LITERALS = re.compile(rf"{_STATEMENT}{_END}(?:(?:{_STATEMENT})?{_END})*+")
"""A run of lines, from where a top-level statement starts, each holding a number, None, True,
False or `...`, one assigned to a name, `pass`, a comment or nothing (1 MB of such lines would take
seconds to parse)."""
PREFIX_BUDGET = 4
"""After a syntax error, the search for the statements above it parses at most this many times the
text left."""
_DEF = r"^(?:(?:async[ \t]+)?def|class)[ \t]+(\w+)"
DEFINED = re.compile(rf"{_DEF}|^(\w+)[ \t]*(?::[^=\n]*)?=(?!=)", re.MULTILINE)
"""A name defined at the top level, by what its line looks like: `def name`, `class Name`,
`name = ...`."""


class Statement(NamedTuple, Generic[T]):
    """One top-level statement: what the caller's `read` made of its syntax tree, and the lines it
    spans (from 1; its decorators included). A run of literal lines (`LITERALS`) comes as one, read
    without a tree (`what` None)."""

    what: T | None
    first: int
    last: int


class Source:
    """A file's text, or a notebook cell's, with its line ends made `\\n` as Python reads them."""

    def __init__(self, text: str) -> None:
        self.text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.starts = array("q", [0])
        """Where each line starts in `text`."""
        self.starts.extend(match.end() for match in re.finditer("\n", self.text))

    def lines(self, first: int, end: int | None = None) -> str:
        """Lines `first` (from 1) up to `end` (excluded; the text's end when None)."""
        stop = len(self.text) if end is None or end > len(self.starts) else self.starts[end - 1]
        return self.text[self.starts[first - 1] : stop]

    def segment(self, first: int, last: int, start: int, end: int) -> str:
        """The text from column `start` of line `first` to column `end` of line `last`, columns in
        UTF-8 bytes as syntax trees count them: one statement's text where others share its
        lines."""
        text = self.lines(first, last + 1)
        tail = self.starts[last - 1] - self.starts[first - 1]  # where line `last` starts in `text`
        return text[: tail + _chars(text[tail:], end)][_chars(text, start) :]

    def statements(self, read: Reader[T]) -> Iterator[Statement[T]]:
        """The top-level statements in order, each tree given to `read` and dropped (`_read`);
        raises Unparsable after the ones above a syntax error."""
        text, begin, size = self.text, 0, PIECE
        while True:
            literals = LITERALS.match(text, begin)
            if literals is not None:
                yield Statement(None, self._line(begin), self._line(literals.end() - 1))
                begin = literals.end()
                continue
            candidate = CANDIDATE.search(text, begin + size)
            if candidate is None:
                break
            found = self._read(begin, candidate.start(), read)
            if isinstance(found, list):
                yield from found
                begin, size = candidate.start(), PIECE
            else:
                size = 2 * (candidate.start() - begin)
        found = [] if begin == len(text) else self._read(begin, len(text), read)
        if isinstance(found, list):
            yield from found
            return
        # Parsed again below blank lines: Python's own line and message (some name a line) for the
        # whole text, whose statements above `begin` are whole and parse.
        error = found if begin == 0 else _parsed("\n" * (self._line(begin) - 1) + text[begin:])
        assert not isinstance(error, ast.Module)  # the same text
        line = _lineno(error)
        rest = yield from self._above(begin, line, read)
        raise Unparsable(line or self._line(rest), _said(error), self._line(rest))

    def _read(self, begin: int, end: int, read: Reader[T]) -> list[Statement[T]] | Error:
        """The statements from `begin` to `end`, or why that text does not parse. The collector is
        off until its tree is dropped: a tree has no cycles, and the collector's passes over its
        nodes and every other object of the judge (torch's) would cost more than the parse."""
        with _collector_off():
            tree = _parsed(self.text[begin:end])
            if not isinstance(tree, ast.Module):
                return tree
            shift = self._line(begin) - 1
            body = tree.body
            found = [Statement(read(n), shift + _first(n), shift + _last(n)) for n in body]
            del tree, body
        return found

    def _above(
        self, begin: int, line: int | None, read: Reader[T]
    ) -> Generator[Statement[T], None, int]:
        """The statements between `begin` and the first syntax error after it (on line `line`, if
        known), then where the text not read starts: before the last place a statement may start
        (`CUT`) at or before the error's line where the text above parses, tried from the last
        down. A try that fails names the line of the statement it cut, or a later one: the next
        try is at or before that line."""
        text, budget, limit = self.text, PREFIX_BUDGET * (len(self.text) - begin), len(self.text)
        places = [match.start() for match in CUT.finditer(text, begin + 1)]
        while True:
            if line is not None:
                limit = min(limit, self._offset(line) + 1)
            before = bisect_left(places, limit)
            if before == 0:
                return begin
            end = places[before - 1]
            budget -= end - begin
            if budget < 0:
                return begin
            found = self._read(begin, end, read)
            if isinstance(found, list):
                yield from found
                return end
            line, limit = _lineno(found), end
            line = None if line is None else self._line(begin) - 1 + line

    def _line(self, offset: int) -> int:
        """The line (from 1) that starts at or holds `offset`."""
        return bisect_right(self.starts, offset)

    def _offset(self, line: int) -> int:
        """Where line `line` (from 1) starts; the text's end past its last line."""
        return self.starts[line - 1] if line <= len(self.starts) else len(self.text)


Error = SyntaxError | ValueError | RecursionError | MemoryError
DECORATED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _lineno(error: Error) -> int | None:
    """The error's line, where Python names one (a RecursionError names none)."""
    return getattr(error, "lineno", None)


def _first(node: ast.stmt) -> int:
    """The line a statement starts on, its decorators included."""
    decorators = node.decorator_list if isinstance(node, DECORATED) else None
    return decorators[0].lineno if decorators else node.lineno


def _last(node: ast.stmt) -> int:
    return node.end_lineno or node.lineno


def _parsed(piece: str) -> ast.Module | Error:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes and the like are the worker's to report
        try:
            return ast.parse(piece)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            return error


@contextmanager
def _collector_off() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _chars(text: str, columns: int) -> int:
    """How many characters of `text` its first `columns` UTF-8 bytes hold."""
    if text.isascii():
        return columns
    return len(text.encode("utf-8", "surrogatepass")[:columns].decode("utf-8", "surrogatepass"))


def _said(error: Error) -> str:
    message = getattr(error, "msg", None) or str(error) or type(error).__name__
    return f"{type(error).__name__}: {' '.join(message.split())[:150]}"


def defined_names(text: str) -> set[str]:
    """The names `text` seems to define at the top level, read from its lines alone (`DEFINED`):
    for text that does not parse. Safe because it is only read, never parsed or run: a name found
    that the text would not really define only changes how a missing answer is reported."""
    return {match.group(1) or match.group(2) for match in DEFINED.finditer(text)}
