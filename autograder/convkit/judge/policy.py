"""The from-scratch policy: which library calls a question's answer may not make, checked by parsing the
submission (the judge never runs it for this). A call counts when the answer's own function makes it, or a helper
of the submission that it calls, directly or through other helpers.

What the submission names at the top level is read once, as its code is read into cells (`names`,
`Definitions`); a definition is parsed again only where an answer uses it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from ..assignment_config import AssignmentConfig, FromScratch
from ..questions import BY_ID
from .results import QuestionResult


@dataclass(frozen=True)
class Violation:
    """A forbidden call found in the code of one question's answer."""

    question: str
    symbol: str
    called: str
    where: str
    """`line 12` in a .py file, `cell 4, line 3` in a notebook."""

    def __str__(self) -> str:
        return f"`{self.symbol}` calls `{self.called}` ({self.where}); this exercise asks you to write it from scratch"


class Names(NamedTuple):
    """What a top-level statement names, as the policy reads it."""

    defined: str | None
    """The function, class or `name = lambda` it defines."""
    aliases: tuple[tuple[str, str], ...]
    """Each alias it makes (`from m import conv2d as c`, `c = F.conv2d`) and what it stands for."""


NO_NAMES = Names(None, ())


def names(node: ast.stmt) -> Names | None:
    """What `node`, a top-level statement, names, if anything."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return Names(node.name, ())
    if isinstance(node, ast.Import | ast.ImportFrom):
        aliases = tuple((a.asname, a.name.rsplit(".", 1)[-1]) for a in node.names if a.asname)
        return Names(None, aliases) if aliases else None
    target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
    if isinstance(target, ast.Name):
        value = node.value  # type: ignore[union-attr]
        if isinstance(value, ast.Lambda):
            return Names(target.id, ())
        if isinstance(value, ast.Attribute | ast.Name):
            stands = value.attr if isinstance(value, ast.Attribute) else value.id
            return Names(None, ((target.id, stands),))
    return None


@dataclass(frozen=True)
class Definition:
    """A top-level function, class or `name = lambda` as the submission wrote it: parsed again only
    where an answer uses it, so the judge never holds a large submission's syntax tree."""

    name: str
    source: str
    """The lines of the statement that defines it (others may share them)."""
    line: int
    """The line of its file, or of its notebook cell, that `source` starts on."""
    cell: int | None = None
    """The notebook cell it is in (its number); None in a .py."""

    def node(self) -> ast.stmt:
        body = ast.parse(self.source).body
        return next(node for node in body if (names(node) or NO_NAMES).defined == self.name)

    def where(self, line: int) -> str:
        """Where line `line` of `source` is: `line 12` in a .py, `cell 4, line 3` in a notebook."""
        place = f"line {self.line + line - 1}"
        return place if self.cell is None else f"cell {self.cell}, {place}"


@dataclass
class Definitions:
    """The submission's top-level functions, classes and `name = lambda` by name (the last of a name
    wins, as when it runs), and its top-level aliases mapped to the names they stand for."""

    found: dict[str, Definition] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def add(self, named: Names, source: str, line: int, cell: int | None = None) -> None:
        """Record what a statement names: `source`, its lines, start on `line` of its file or of
        notebook cell `cell`."""
        if named.defined is not None:
            self.found[named.defined] = Definition(named.defined, source, line, cell)
        self.aliases.update(named.aliases)


def called(node: ast.AST, aliases: Mapping[str, str]) -> Iterable[tuple[ast.AST, str, int]]:
    """(node, name it stands for, line) of every call, attribute, name and string constant in `node` (a
    string catches `getattr(F, "conv2d")`)."""
    for child in ast.walk(node):
        if isinstance(child, ast.Call | ast.Attribute | ast.Name):
            target = child.func if isinstance(child, ast.Call) else child
            last = target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else ""
            yield target, aliases.get(last, last), getattr(child, "lineno", 0)
        elif isinstance(child, ast.Constant) and isinstance(child.value, str) and child.value.isidentifier():
            yield child, child.value, child.lineno


def source(node: ast.AST, name: str) -> str:
    """How the submission wrote the forbidden call, or its name where the expression is too deep to unparse."""
    try:
        return ast.unparse(node)
    except RecursionError:
        return name


def violations(
    definitions: Definitions,
    forbidden: Mapping[str, tuple[str, ...]],
    symbols: Mapping[str, str],
) -> list[Violation]:
    """For each question with forbidden names, the first forbidden call its answer makes (through its helpers),
    if any. `symbols` maps question ids to the names the student defines."""
    defined, aliases = definitions.found, definitions.aliases
    answers = set(symbols.values())
    found = []
    for question, names in forbidden.items():
        symbol = symbols[question]
        seen, queue = {symbol}, [symbol]
        while queue:
            if (entry := defined.get(queue.pop())) is None:
                continue
            calls = list(called(entry.node(), aliases))
            hit = next(((target, last, line) for target, last, line in calls if last in names), None)
            if hit is not None:
                said = source(hit[0], hit[1])
                found.append(Violation(question, symbol, said, entry.where(hit[2])))
                break
            for _, last, _ in calls:
                if last in defined and last not in seen and last not in answers:
                    seen.add(last)
                    queue.append(last)
    return found


def judge_from_scratch(
    questions: tuple[QuestionResult, ...], definitions: Definitions, assignment: AssignmentConfig
) -> tuple[QuestionResult, ...]:
    """The questions with the policy's findings recorded (and, when it costs points, their scores forfeited)."""
    if assignment.from_scratch is FromScratch.OFF or not assignment.forbid:
        return questions
    symbols = {question: BY_ID[question].symbol for question in assignment.forbid}
    found = {v.question: v for v in violations(definitions, assignment.forbid, symbols)}
    forfeit = assignment.from_scratch is FromScratch.ZERO
    return tuple(replace(q, scratch=str(found[q.question]), forfeited=forfeit) if q.question in found else q for q in questions)
