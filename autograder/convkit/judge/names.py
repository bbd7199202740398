"""The from-scratch policy's static parse: the forbidden names an answer uses, each resolved to
what it denotes, by reading the submission (never running it).

An import binds a name to a library object (`import torch.nn.functional as F` binds `F` to
`torch.nn.functional`, so `F.conv2d` is `torch.nn.functional.conv2d`); so do aliases
(`c = F.conv2d`), `getattr` and `vars` with a constant name, and `importlib.import_module`. A
use that resolves to a library object one of whose parts is forbidden is sure. The submission's
own definitions (a function, class or lambda, a parameter, a value it computes, a method name it
defines) are never forbidden, whatever their names. A forbidden name the parse cannot resolve
either way (a name nothing binds, as after `from m import *`; a method of a value; a string) is
reported as unsure. An answer's use counts through the submission's helpers it reaches, but not
through the other answers, which are graded on their own.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    OWN = "own"
    """The submission's own code: a def, class or lambda, or a name bound to one."""
    VALUE = "value"
    """A value the code receives or computes: a parameter, what a call returns."""
    UNKNOWN = "unknown"
    """A name nothing in the submission binds (a star import's, exec's, globals()'s)."""


Meaning = str | Kind
"""What an expression denotes: a library object by its dotted path, or a Kind."""
DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
BLOCKS = (ast.If, ast.For, ast.While, ast.With, ast.Try, ast.TryStar)
"""Statements whose blocks run, or not, as the code decides."""
BUILTINS = frozenset(vars(builtins))
WRITTEN_CHARS = 60
"""The most of an expression a finding quotes."""


@dataclass(frozen=True)
class Use:
    """A forbidden name used by an answer, or by a helper of the submission that it reaches."""

    name: str
    """The forbidden name."""
    written: str
    """How the source writes the use."""
    path: str | None
    """The library object it denotes; None where the parse could not resolve it."""
    where: str
    """`line 12` in a .py file, `cell 4, line 3` in a notebook."""

    @property
    def sure(self) -> bool:
        return self.path is not None


@dataclass(frozen=True)
class Binding:
    """One way a name is bound: by `node` (a def or class, an assigned expression, an import, or
    another statement), in the cell labelled `label`; `path` for an import's library object."""

    node: ast.AST
    label: str
    path: str | None = None


Scope = Mapping[str, list["Binding"]]
"""Names bound in a def's or expression's code, each with the ways it is bound."""
Seen = tuple[list[Use], str]
"""What the walk of some code sees: uses of forbidden names, or a top-level name to follow."""


class Submission:
    """A submission's top-level names, with what binds them, read from its cells in order."""

    def __init__(self, cells: Iterable[str], labels: Iterable[str]) -> None:
        self.module: dict[str, list[Binding]] = {}
        self.defined: set[str] = set()
        """Every name the submission defines anywhere (functions, classes, methods, attributes it
        sets): `x.name` with such a name is its own."""
        self.resolving: set[int] = set()
        for source, label in zip(cells, labels, strict=True):
            try:
                tree = ast.parse(source)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue  # the engine reports it
            self._read(tree.body, label, alone=True)
            for node in ast.walk(tree):
                if isinstance(node, DEFINITIONS):
                    self.defined.add(node.name)
                elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                    self.defined.add(node.attr)

    def _read(self, body: list[ast.stmt], label: str, alone: bool) -> None:
        """Bind the names `body`'s statements bind. A statement on its own replaces what a name
        was bound to, as running it does; one inside an `if`, `try`, `with` or loop adds to it."""
        for statement in body:
            for name, binding in _bindings(statement, label):
                self.module[name] = [*([] if alone else self.module.get(name, [])), binding]
            if isinstance(statement, BLOCKS):
                for block in ("body", "orelse", "finalbody"):
                    self._read(getattr(statement, block, []), label, alone=False)
                for handler in getattr(statement, "handlers", []):
                    self._read(handler.body, label, alone=False)

    def uses(self, symbol: str, names: frozenset[str], answers: frozenset[str]) -> list[Use]:
        """The uses of `names` by the answer `symbol` and the helpers it reaches (not the other
        `answers`), in the order met."""
        found: list[Use] = []
        queue, seen = [symbol], {symbol}
        while queue:
            for binding in self.module.get(queue.pop(0), []):
                if binding.path is not None:  # the answer or helper is itself imported
                    found += self._sure(binding.node, binding.path, names, binding.label)
                    continue
                local = _locals(binding.node)
                for use, follow in self._walk(binding, local, names):
                    found += use
                    if follow not in seen and follow not in answers:
                        seen.add(follow)
                        queue.append(follow)
        return found

    def _walk(self, binding: Binding, local: Scope, names: frozenset[str]) -> Iterator[Seen]:
        """Each use of `names` in `binding`'s code, and each top-level name of the submission its
        code refers to (to follow: a helper), as (uses, name) pairs ("" for no name)."""
        consumed: set[int] = set()  # the strings of getattr(m, "name") and the like, resolved
        for node in ast.walk(binding.node):
            if isinstance(node, ast.Call | ast.Subscript):
                meaning = self.meaning(node, local)
                if isinstance(meaning, str):
                    consumed.update(map(id, ast.walk(node)))
                    yield self._sure(node, meaning, names, binding.label), ""
            elif isinstance(node, ast.Attribute):
                meaning = self.meaning(node, local)
                if isinstance(meaning, str):
                    yield self._sure(node, meaning, names, binding.label), ""
                elif node.attr in names and node.attr not in self.defined:
                    yield [self._unsure(node, node.attr, binding.label)], ""
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                meaning = self.meaning(node, local)
                if isinstance(meaning, str):
                    yield self._sure(node, meaning, names, binding.label), ""
                elif meaning is Kind.UNKNOWN and node.id in names:
                    yield [self._unsure(node, node.id, binding.label)], ""
                elif node.id not in local and node.id in self.module:
                    yield [], node.id
            elif isinstance(node, ast.Constant) and node.value in names:
                if id(node) not in consumed:
                    yield [self._unsure(node, str(node.value), binding.label)], ""

    def meaning(self, node: ast.AST, local: Scope) -> Meaning:
        """What an expression denotes, as far as the parse can tell."""
        if isinstance(node, ast.Name):
            return self._name(node.id, local)
        if isinstance(node, ast.Attribute):
            return _attribute(self.meaning(node.value, local), node.attr)
        if isinstance(node, ast.Call):
            return self._call(node, local)
        if isinstance(node, ast.Subscript):
            key, base = _text(node.slice), node.value
            if key is None:
                return Kind.VALUE
            if isinstance(base, ast.Call) and self.meaning(base.func, local) == "builtins.globals":
                return self._name(key, {})
            meaning = self.meaning(base, local)
            if meaning == "sys.modules":
                return key
            if isinstance(meaning, str) and meaning.endswith(".__dict__"):
                return f"{meaning.removesuffix('.__dict__')}.{key}"
            return Kind.VALUE
        return Kind.OWN if isinstance(node, ast.Lambda) else Kind.VALUE

    def _call(self, node: ast.Call, local: Scope) -> Meaning:
        function, args = self.meaning(node.func, local), node.args
        name = _text(args[1]) if len(args) >= 2 else None
        if function == "builtins.getattr" and name is not None:
            return _attribute(self.meaning(args[0], local), name)
        if function == "builtins.vars" and len(args) == 1:
            return _attribute(self.meaning(args[0], local), "__dict__")
        if function in ("importlib.import_module", "builtins.__import__") and args:
            return _text(args[0]) or Kind.VALUE
        return Kind.VALUE

    def _name(self, name: str, local: Scope) -> Meaning:
        if name in local:
            return self._bound(local[name], local)
        if name in self.module:
            return self._bound(self.module[name], {})
        return f"builtins.{name}" if name in BUILTINS else Kind.UNKNOWN

    def _bound(self, bindings: list[Binding], local: Scope) -> Meaning:
        """What a name bound by `bindings` denotes: a library object if any binding makes it one
        (the cautious reading), else the submission's own code or a value."""
        meanings = [self._binding(binding, local) for binding in bindings]
        own = Kind.OWN if Kind.OWN in meanings else Kind.VALUE
        return next((meaning for meaning in meanings if isinstance(meaning, str)), own)

    def _binding(self, binding: Binding, local: Scope) -> Meaning:
        node = binding.node
        if binding.path is not None:
            return binding.path
        if isinstance(node, (*DEFINITIONS, ast.Lambda)):
            return Kind.OWN
        if not isinstance(node, ast.expr) or id(node) in self.resolving:
            return Kind.VALUE  # bound by a loop, a with, an unpacking; or an alias of itself
        self.resolving.add(id(node))
        try:
            return self.meaning(node, local)
        finally:
            self.resolving.discard(id(node))

    def _sure(self, node: ast.AST, path: str, names: frozenset[str], label: str) -> list[Use]:
        name = next((part for part in path.split(".") if part in names), None)
        if name is None:
            return []
        imported = isinstance(node, ast.Import | ast.ImportFrom)  # as the import names it
        written = path.rpartition(".")[2] if imported else _written(node, name)
        return [Use(name, written, path, _where(label, node))]

    def _unsure(self, node: ast.AST, name: str, label: str) -> Use:
        return Use(name, _written(node, name), None, _where(label, node))


def _bindings(statement: ast.stmt, label: str) -> Iterator[tuple[str, Binding]]:
    """The names a top-level statement binds, and how."""
    if isinstance(statement, DEFINITIONS):
        yield statement.name, Binding(statement, label)
    elif isinstance(statement, ast.Import):
        for alias in statement.names:
            if alias.asname:
                yield alias.asname, Binding(statement, label, alias.name)
            else:
                top = alias.name.partition(".")[0]
                yield top, Binding(statement, label, top)
    elif isinstance(statement, ast.ImportFrom):
        module = statement.module if statement.level == 0 else None
        for alias in statement.names:
            if alias.name != "*":
                path = f"{module}.{alias.name}" if module else None
                yield alias.asname or alias.name, Binding(statement, label, path)
    elif isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        for target in targets:
            if isinstance(target, ast.Name):
                yield target.id, Binding(statement.value, label)
            else:
                yield from ((name, Binding(statement, label)) for name in _stored(target))
    elif isinstance(statement, ast.For):  # its blocks are read as statements of their own
        yield from ((name, Binding(statement, label)) for name in _stored(statement.target))
    elif isinstance(statement, ast.With):
        targets = [item.optional_vars for item in statement.items if item.optional_vars is not None]
        for target in targets:
            yield from ((name, Binding(statement, label)) for name in _stored(target))
    elif isinstance(statement, ast.AugAssign | ast.AnnAssign | ast.Expr):
        yield from ((name, Binding(statement, label)) for name in _stored(statement))


def _locals(node: ast.AST) -> Scope:
    """The names bound inside a def, class or expression (its parameters, assignments, imports and
    nested definitions, nested scopes merged), less those it declares global."""
    local: dict[str, list[Binding]] = {}
    declared: set[str] = set()
    for child in ast.walk(node):
        if child is not node and isinstance(child, DEFINITIONS):
            local.setdefault(child.name, []).append(Binding(child, ""))
        elif isinstance(child, ast.arg):
            local.setdefault(child.arg, []).append(Binding(child, ""))
        elif isinstance(child, ast.Assign) and isinstance(target := child.targets[0], ast.Name):
            local.setdefault(target.id, []).append(Binding(child.value, ""))
        elif isinstance(child, ast.Import | ast.ImportFrom):
            for name, binding in _bindings(child, ""):
                local.setdefault(name, []).append(binding)
        elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            local.setdefault(child.id, []).append(Binding(child, ""))
        elif isinstance(child, ast.Global | ast.Nonlocal):
            declared.update(child.names)
    return {name: bindings for name, bindings in local.items() if name not in declared}


def _stored(node: ast.AST) -> Iterator[str]:
    """The names a statement or target stores into."""
    for child in ast.walk(node):
        if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            yield child.id


def _attribute(base: Meaning, name: str) -> Meaning:
    if isinstance(base, str):
        return f"{base}.{name}"
    return Kind.OWN if base is Kind.OWN else Kind.VALUE


def _text(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _written(node: ast.AST, name: str) -> str:
    """How the source writes `node`, shortened; its name where it is too deep to unparse."""
    try:
        text = ast.unparse(node)
    except RecursionError:
        return name
    return text if len(text) <= WRITTEN_CHARS else text[: WRITTEN_CHARS - 1] + "…"


def _where(label: str, node: ast.AST) -> str:
    line = getattr(node, "lineno", 0)
    return f"line {line}" if label.startswith("line") else f"{label}, line {line}"
