"""The from-scratch policy: which library calls a question's answer may not make, checked by parsing the
submission (the judge never runs it for this). A call counts when the answer's own function makes it, or a helper
of the submission that it calls, directly or through other helpers.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

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


def definitions(cells: Iterable[str], labels: Iterable[str]) -> tuple[dict[str, tuple[ast.AST, str]], dict[str, str]]:
    """The submission's top-level functions, classes and `name = lambda` by name, with the label of their cell
    (the last definition wins, as when it runs), and its top-level aliases (`from m import conv2d as c`,
    `c = F.conv2d`) mapped to the names they stand for."""
    found: dict[str, tuple[ast.AST, str]] = {}
    aliases: dict[str, str] = {}
    for source, label in zip(cells, labels, strict=True):
        try:
            body = ast.parse(source).body
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                found[node.name] = (node, label)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                aliases |= {a.asname: a.name.rsplit(".", 1)[-1] for a in node.names if a.asname}
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name, value = node.targets[0].id, node.value
                if isinstance(value, ast.Lambda):
                    found[name] = (node, label)
                elif isinstance(value, ast.Attribute | ast.Name):
                    aliases[name] = value.attr if isinstance(value, ast.Attribute) else value.id
    return found, aliases


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
    cells: list[str], labels: list[str], forbidden: Mapping[str, tuple[str, ...]], symbols: Mapping[str, str]
) -> list[Violation]:
    """For each question with forbidden names, the first forbidden call its answer makes (through its helpers),
    if any. `symbols` maps question ids to the names the student defines; `labels` name the cells."""
    defined, aliases = definitions(cells, labels)
    answers = set(symbols.values())
    found = []
    for question, names in forbidden.items():
        symbol = symbols[question]
        seen, queue = {symbol}, [symbol]
        while queue:
            if (entry := defined.get(queue.pop())) is None:
                continue
            node, label = entry
            calls = list(called(node, aliases))
            hit = next(((target, last, line) for target, last, line in calls if last in names), None)
            if hit is not None:
                where = f"line {hit[2]}" if label.startswith("line") else f"{label}, line {hit[2]}"
                found.append(Violation(question, symbol, source(hit[0], hit[1]), where))
                break
            for _, last, _ in calls:
                if last in defined and last not in seen and last not in answers:
                    seen.add(last)
                    queue.append(last)
    return found


def judge_from_scratch(
    questions: tuple[QuestionResult, ...], cells: list[str], labels: list[str], assignment: AssignmentConfig
) -> tuple[QuestionResult, ...]:
    """The questions with the policy's findings recorded (and, when it costs points, their scores forfeited)."""
    if assignment.from_scratch is FromScratch.OFF or not assignment.forbid:
        return questions
    symbols = {question: BY_ID[question].symbol for question in assignment.forbid}
    found = {v.question: v for v in violations(cells, labels, assignment.forbid, symbols)}
    forfeit = assignment.from_scratch is FromScratch.ZERO
    return tuple(replace(q, scratch=str(found[q.question]), forfeited=forfeit) if q.question in found else q for q in questions)
