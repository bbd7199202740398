"""Reading submissions into cells of source text. The judge parses, never executes: cells run in the
worker.

A `.py` file becomes one cell per top-level statement, so one hanging or crashing statement costs
only itself; consecutive statements of literals (`x = 0`, a docstring), which can do neither, share
one. A file Python cannot parse is graded on the statements above its syntax error, and says so
first. A notebook keeps its code cells, minus IPython magics and shell lines, each numbered by its
place among all the notebook's cells; a cell Python cannot parse is not run, and the notebook says
so first. A `grader.export()` zip is read for the notebook inside. A file's size, and its code's,
are checked before any of it is parsed, and the code is parsed a piece at a time
(`convkit.grading.source`): the judge's time and memory grow with a submission's size, no faster.
"""

from __future__ import annotations

import ast
import io
import re
import zipfile
import zlib
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import nbformat

from convkit.errors import SubmissionError, Unparsable
from convkit.grading.names import BINDING, Bound, Definitions, bound
from convkit.grading.source import Source, defined_names
from convkit.results import Submitter

SUFFIXES = (".py", ".ipynb", ".zip")
MAX_BYTES = 2 * 1024 * 1024
"""The most a submission's file may hold, a notebook's outputs included."""
MAX_CODE = 1024 * 1024
"""The most code a submission may hold, in UTF-8 bytes: a .py's text, or a notebook's code cells."""
GROUP_CHARS = 1 << 16
"""The most text of literal statements one cell holds."""
GRADER_CALLS = ("check", "check_all", "export", "run_plugin", "to_pdf")
COMPILER_HINT = re.compile(r"optim|compile|_dynamo|_inductor")


class Cell(NamedTuple):
    """What a worker runs as one: a notebook's code cell, or top-level statements of a .py."""

    source: str
    place: int
    """The line of the .py it starts on, or the notebook cell's number: its place among all the
    notebook's cells, text cells included, from 1."""


@dataclass
class Submission:
    name: str
    cells: list[Cell] = field(default_factory=list)
    file: str | None = None
    """The .py's name, which tracebacks give its cells' lines; None for a notebook, whose cell N
    they call `<cell N>`."""
    definitions: Definitions = field(default_factory=Definitions)
    """What its top-level statements bind and define, for the from-scratch policy."""
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    """Why nothing of it can be graded (empty, binary, not a notebook...): every check fails with
    this."""
    nothing: str | None = None
    """Why there is no file at all (a student's folder without one): every check fails with this."""
    partial: str | None = None
    """Why only part of it is graded (a syntax error): the first line of every question's
    feedback."""
    unreached: dict[str, str] = field(default_factory=dict)
    """Names defined only where a syntax error kept code from running, each with where that error
    is (`line 63`, `cell 35`): a missing answer of that name was not graded, not undefined."""
    student: Submitter = Submitter()
    preload: tuple[str, ...] = ()
    """Slow imports its code seems to need, made once per slot in a zygote kept for them (a speed
    hint, nothing more: other submissions' workers never inherit them)."""

    def label(self, index: int) -> str:
        """How feedback names cell `index`: `line 12` of a .py, `cell 4` of a notebook."""
        return f"{'cell' if self.file is None else 'line'} {self.cells[index].place}"


def parse(
    filename: str, data: bytes, name: str | None = None, student: Submitter | None = None
) -> Submission:
    """The submission held in `data`, the bytes of a file called `filename` (its suffix says how to
    read it)."""
    submission = Submission(name or filename, student=student or Submitter())
    try:
        if filename.endswith(".zip"):
            _fill(submission, *_from_zip(data))
        else:
            _fill(submission, filename, _read_text(data))
    except SubmissionError as exc:
        submission.error = str(exc)
    return submission


def _read_text(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise SubmissionError(f"the file is over {MAX_BYTES >> 20} MiB")
    if not data.strip():
        raise SubmissionError("the file is empty")
    if b"\0" in data:
        raise SubmissionError("this is a binary file, not Python source or a notebook")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SubmissionError("the file is not UTF-8 text") from None


def _from_zip(data: bytes) -> tuple[str, str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [
                m for m in archive.infolist() if not m.is_dir() and "__MACOSX" not in m.filename
            ]
            for suffix in (".ipynb", ".py"):
                chosen = [
                    m
                    for m in members
                    if m.filename.endswith(suffix) and not Path(m.filename).name.startswith(".")
                ]
                if len(chosen) > 1:
                    raise SubmissionError(
                        f"the zip holds {len(chosen)} {suffix} files; keep only one"
                    )
                if chosen:
                    if chosen[0].file_size > MAX_BYTES:
                        raise SubmissionError(
                            f"{chosen[0].filename} in the zip is over {MAX_BYTES >> 20} MiB"
                        )
                    with archive.open(chosen[0]) as member:
                        return chosen[0].filename, _read_text(member.read(MAX_BYTES + 1))
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        EOFError,
        OSError,
        zlib.error,
    ) as exc:
        raise SubmissionError(f"not a valid zip file ({exc})") from None
    raise SubmissionError("the zip holds no notebook (.ipynb) or .py file")


def _fill(submission: Submission, name: str, text: str) -> None:
    if name.endswith(".ipynb"):
        _notebook_cells(submission, text)
    else:
        submission.file = Path(name).name
        _python_cells(submission, text)
    if COMPILER_HINT.search(text):
        submission.preload = ("torch._dynamo",)


def _within_limit(code: int) -> None:
    """Refuse code over MAX_CODE (`code` bytes), before any of it is parsed."""
    if code > MAX_CODE:
        limit = f"{MAX_CODE >> 20} MiB"
        raise SubmissionError(f"its code is {code:,} bytes, over the {limit} that is graded")


class Facts(NamedTuple):
    """What the judge needs of a top-level statement, read while its syntax tree is alive."""

    literal: bool
    """It binds or evaluates literals only: it can neither hang nor raise, so shares a cell."""
    grader: bool
    """It calls otter's grader (`grader.check(...)`), which grading does not need."""
    bound: Bound | None
    """What it binds or defines, for the from-scratch policy."""


NOTHING = Facts(False, False, None)
LITERAL = Facts(True, False, None)
GRADER = Facts(False, True, None)


def _facts(node: ast.stmt) -> Facts:
    # Common cases first, allocating nothing: a large file has many statements. type(node) is
    # tested each time, not kept in a name, so that the checker narrows node itself.
    if type(node) is ast.Expr:
        value = node.value
        if type(value) is ast.Constant:
            return LITERAL
        return GRADER if _grader_call(value) else NOTHING
    if type(node) is ast.Pass:
        return LITERAL
    if type(node) is ast.Assign and _literal_assignment(node):
        return LITERAL
    return Facts(False, False, bound(node)) if type(node) in BINDING else NOTHING


def _literal_assignment(node: ast.Assign) -> bool:
    targets = all(type(target) is ast.Name and target.id != "__debug__" for target in node.targets)
    return targets and _literal(node.value)


def _literal(value: ast.expr) -> bool:
    """A constant, a signed number, or a tuple or list of literals: evaluating it calls nothing."""
    if isinstance(value, ast.Constant):
        return True
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub | ast.UAdd):
        number = value.operand
        return isinstance(number, ast.Constant) and type(number.value) in (int, float, complex)
    return isinstance(value, ast.Tuple | ast.List) and all(_literal(item) for item in value.elts)


def _grader_call(value: ast.expr) -> bool:
    """`grader.check(...)` and the like."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return False
    method = value.func
    grader = isinstance(method.value, ast.Name) and method.value.id == "grader"
    return grader and method.attr in GRADER_CALLS


def _python_cells(submission: Submission, text: str) -> None:
    """One cell per top-level statement (literal ones grouped), each labelled by its line; with a
    syntax error, the statements above it."""
    _within_limit(len(text.encode("utf-8", "surrogatepass")))
    places: list[int] = []
    source, end = Source(text), None
    try:
        _group(source, places, submission.definitions)
    except Unparsable as error:
        where, end = f"line {error.line}", error.rest
        above = "the functions above that line were graded"
        submission.partial = f"{where}: {error.what}; {above if places else NOTHING_ABOVE}"
        # Read, never run or parsed: a name found that is not really defined only changes a message.
        submission.unreached = dict.fromkeys(defined_names(source.lines(error.rest)), where)
    if not places:
        raise SubmissionError(submission.partial or "there is no code in it")
    spans = zip(places, [*places[1:], end], strict=True)
    submission.cells = [Cell(source.lines(first, stop), first) for first, stop in spans]


NOTHING_ABOVE = "there is no code above it to grade"


def _group(source: Source, places: list[int], definitions: Definitions) -> None:
    """Append to `places` the first line of each cell, and record what the statements name. A
    statement starts a cell unless it shares a line with the one before, or both only bind literals
    and their cell holds less than GROUP_CHARS; a run of literal lines read without parsing is cut
    where a cell is full."""
    literal, last, begin, starts = False, 0, 0, source.starts
    for statement in source.statements(_facts):
        facts, first = statement.what, statement.first
        if facts is not None and facts.bound is not None:
            definitions.add(facts.bound, source, first, statement.last)
        joins = facts is None or facts.literal
        if first <= last:
            literal = literal and joins
        elif not (literal and joins and starts[first - 1] - begin < GROUP_CHARS):
            places.append(first)
            begin, literal = starts[first - 1], joins
        while facts is None and (full := bisect_left(starts, begin + GROUP_CHARS)) < statement.last:
            places.append(full + 1)  # every line of such a run ends a statement
            begin = starts[full]
        last = statement.last


def _notebook_cells(submission: Submission, text: str) -> None:
    """Its code cells that hold code, each numbered by its place among all cells; one that does not
    parse is left out (Python would run none of it) and named first in the feedback."""
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for broken JSON
        raise SubmissionError(
            f"not a valid notebook ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})"
        ) from None
    numbered = enumerate(notebook.get("cells", []), start=1)
    code = [(n, _joined(c.get("source", ""))) for n, c in numbered if c.get("cell_type") == "code"]
    _within_limit(sum(len(source.encode("utf-8", "surrogatepass")) for _, source in code))
    dropped, broken = 0, []
    for number, raw in code:
        if raw.lstrip().startswith("%%"):
            dropped += 1
            continue
        lines = Source(raw).text.split("\n")
        magics = [index for index, line in enumerate(lines) if line.lstrip().startswith(("%", "!"))]
        for index in magics:
            lines[index] = ""  # keeps line numbers of later lines right
        dropped += len(magics)
        try:
            _notebook_cell(submission, number, lines)
        except Unparsable as error:
            broken.append((number, error))
    if dropped:
        dropping = f"{dropped} IPython magic or shell line(s) were dropped"
        submission.notes.append(f"{dropping}; they do not run when grading")
    if broken:
        submission.partial = _broken_cells(broken, bool(submission.cells))
    if not submission.cells:
        raise SubmissionError(submission.partial or "there is no code in it")


def _notebook_cell(submission: Submission, number: int, lines: list[str]) -> None:
    """Add notebook cell `number` (its code's `lines`) to the submission, without its grader calls,
    unless it holds no code; what it names is recorded only if all of it parses (else none of it
    runs), and Unparsable raised."""
    source, named = Source("\n".join(lines)), []
    try:
        for facts, first, last in source.statements(_facts):
            if facts is not None and facts.grader:
                lines[first - 1 : last] = [""] * (last - first + 1)
            if facts is not None and facts.bound is not None:
                named.append((facts.bound, first, last))
    except Unparsable:
        # Read, never run or parsed: a name found that is not really defined only changes a message.
        submission.unreached |= dict.fromkeys(defined_names(source.text), f"cell {number}")
        raise
    for what, first, last in named:
        submission.definitions.add(what, source, first, last, number)
    if any(line.strip() for line in lines):
        submission.cells.append(Cell("\n".join(lines), number))


def _joined(source: object) -> str:
    return "".join(source) if isinstance(source, list) else str(source)


def _broken_cells(broken: list[tuple[int, Unparsable]], others: bool) -> str:
    """The syntax errors of a notebook's cells in one line: the first, and the others' cells."""
    number, error = broken[0]
    said = f"cell {number}, line {error.line}: {error.what}"
    if not others:
        return f"{said}; there is no other code to grade"
    if len(broken) == 1:
        return f"{said}; that cell was not run, the other cells were graded"
    numbers = [str(number) for number, _ in broken]
    listed = f"cells {', '.join(numbers[:-1])} and {numbers[-1]}"
    return f"{said}; {listed} have syntax errors and were not run, the other cells were graded"
