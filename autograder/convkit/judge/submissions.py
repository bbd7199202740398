"""Reading submissions into cells of source text. The judge parses, never executes: cells run in the worker.

A `.py` file becomes one cell per top-level statement, so one hanging or crashing statement costs only itself;
a file Python cannot compile is graded on the statements above its syntax error, and says so first. A notebook
keeps its code cells, minus IPython magics and shell lines; a `grader.export()` zip is read for the notebook
inside.
"""

from __future__ import annotations

import ast
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .results import Student

SUFFIXES = (".py", ".ipynb", ".zip")
MAX_BYTES = 2 * 1024 * 1024
STATEMENT_START = re.compile(r"^[^\s#)\]}]")
MAX_PREFIX_TRIES = 200
GRADER_CALLS = ("check", "check_all", "export", "run_plugin", "to_pdf")
COMPILER_HINT = re.compile(r"optim|compile|_dynamo|_inductor")


@dataclass
class Submission:
    name: str
    cells: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    """Why nothing of it can be graded (empty, binary, not a notebook...): every check fails with this."""
    nothing: str | None = None
    """Why there is no file at all (a student's folder without one): every check fails with this."""
    partial: str | None = None
    """Why only part of it is graded (a syntax error): the first line of every question's feedback."""
    student: Student = Student()
    preload: tuple[str, ...] = ()
    """Slow imports its code seems to need, made once per slot in a zygote kept for them (a speed hint, nothing
    more: other submissions' workers never inherit them)."""


def parse(filename: str, data: bytes, name: str | None = None, student: Student | None = None) -> Submission:
    """The submission held in `data`, the bytes of a file called `filename` (its suffix says how to read it)."""
    submission = Submission(name or filename, student=student or Student())
    try:
        if filename.endswith(".zip"):
            _fill(submission, *_from_zip(data))
        else:
            _fill(submission, filename, _read_text(data))
    except SubmissionError as exc:
        submission.error = str(exc)
    return submission


class SubmissionError(Exception):
    pass


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
            members = [m for m in archive.infolist() if not m.is_dir() and "__MACOSX" not in m.filename]
            for suffix in (".ipynb", ".py"):
                chosen = [m for m in members if m.filename.endswith(suffix) and not Path(m.filename).name.startswith(".")]
                if len(chosen) > 1:
                    raise SubmissionError(f"the zip holds {len(chosen)} {suffix} files; keep only one")
                if chosen:
                    if chosen[0].file_size > MAX_BYTES:
                        raise SubmissionError(f"{chosen[0].filename} in the zip is over {MAX_BYTES >> 20} MiB")
                    with archive.open(chosen[0]) as member:
                        return chosen[0].filename, _read_text(member.read(MAX_BYTES + 1))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, zlib.error) as exc:
        raise SubmissionError(f"not a valid zip file ({exc})") from None
    raise SubmissionError("the zip holds no notebook (.ipynb) or .py file")


def _fill(submission: Submission, name: str, text: str) -> None:
    if name.endswith(".ipynb"):
        cells, labels, dropped = _notebook_cells(text)
        if dropped:
            submission.notes.append(f"{dropped} IPython magic or shell line(s) were dropped; they do not run when grading")
    else:
        cells, labels, submission.partial = _python_cells(text)
    if not any(cell.strip() for cell in cells):
        if submission.partial:
            raise SubmissionError(
                submission.partial.replace("the functions above that line were graded", "there is no code above it to grade")
            )
        raise SubmissionError("there is no code in it")
    submission.cells, submission.labels = cells, labels
    if COMPILER_HINT.search(text):
        submission.preload = ("torch._dynamo",)


def _notebook_cells(text: str) -> tuple[list[str], list[str], int]:
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds for broken JSON
        raise SubmissionError(f"not a valid notebook ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})") from None
    cells, labels, dropped = [], [], 0
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if source.lstrip().startswith("%%"):
            dropped += 1
            continue
        kept = []
        for line in source.splitlines():
            if line.lstrip().startswith(("%", "!")):
                dropped += 1
                kept.append("")  # keeps line numbers of later lines right
            else:
                kept.append(line)
        cells.append(without_grader_calls("\n".join(kept)))
        labels.append(f"cell {number}")
    return cells, labels, dropped


def without_grader_calls(source: str) -> str:
    """A cell without its `grader.check(...)` / `grader.export(...)` statements: they run the public checks or pack
    the notebook, nothing grading needs, and would spend the submission's time (their lines become blank)."""
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return source
    lines = source.splitlines()
    for node in body:
        call = node.value if isinstance(node, ast.Expr) else None
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
            if call.func.value.id == "grader" and call.func.attr in GRADER_CALLS and node.end_lineno is not None:
                lines[node.lineno - 1 : node.end_lineno] = [""] * (node.end_lineno - node.lineno + 1)
    return "\n".join(lines)


def _python_cells(text: str) -> tuple[list[str], list[str], str | None]:
    """One cell per top-level statement, labelled by its line; with a syntax error, the statements above it."""
    lines = text.splitlines()
    partial = None
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        line = getattr(error, "lineno", None) or 1
        message = getattr(error, "msg", None) or str(error) or type(error).__name__
        partial = f"line {line}: {type(error).__name__}: {' '.join(message.split())[:150]}; the functions above that line were graded"
        lines, body = _parsable_prefix(lines, line)
    if not body:
        return [], [], partial
    starts = [min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))]) - 1 for node in body]
    starts[0] = 0
    bounds = [*starts, len(lines)]
    # Each cell keeps its place in the file (blank lines before it), so tracebacks name the right line.
    cells = ["\n" * start + "\n".join(lines[start:end]) for start, end in zip(bounds, bounds[1:], strict=False)]
    return cells, [f"line {start + 1}" for start in starts], partial


def _parsable_prefix(lines: list[str], error_line: int) -> tuple[list[str], list[ast.stmt]]:
    """The longest run of whole top-level statements before `error_line` that parses."""
    starts = [i for i in range(min(error_line, len(lines)) - 1, 0, -1) if STATEMENT_START.match(lines[i])][:MAX_PREFIX_TRIES]
    for start in starts:
        try:
            return lines[:start], ast.parse("\n".join(lines[:start])).body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    return [], []
