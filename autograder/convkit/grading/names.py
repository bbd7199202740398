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

The submission is read once, as its code is read into cells (`convkit.grading.submissions`): what
each top-level statement binds or defines is noted then (`bound`), with where its text is
(`Definitions`), and a statement is parsed again only where the answers' code leads to a name it
binds, or asks whether the submission defines a forbidden name its text holds (`Submission`): the
parse costs what the answers reach, not the submission's size. Top-level expression statements and
statements of literals alone (`x = 0`, read without parsing where they can be) are not noted: a
name they bind (a walrus's) is one nothing binds, and a library's name they rebind stays the
library's (the cautious reading).
"""

from __future__ import annotations

import ast
import builtins
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple

from convkit.grading.source import Source


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
BINDING = frozenset(
    (*DEFINITIONS, *BLOCKS, ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.AugAssign)
)
"""The kinds of top-level statement that may bind or define a name (`bound`)."""
BUILTINS = frozenset(vars(builtins))
WRITTEN_CHARS = 60
"""The most of an expression a finding quotes."""


class Statement(NamedTuple):
    """A top-level statement of the submission, by where its text is: parsed again only where the
    policy needs it."""

    code: Source
    """The text of its file or notebook cell."""
    first: int
    """The line it starts on (its first decorator's)."""
    last: int
    start: int
    """The column of line `first` it starts at, in UTF-8 bytes (`Bound.start`)."""
    end: int
    """The column of line `last` it ends at, likewise."""
    cell: int | None
    """The notebook cell it is in (its number); None in a .py."""

    @property
    def source(self) -> str:
        """Its text alone (the statements sharing its lines left out)."""
        return self.code.segment(self.first, self.last, self.start, self.end)

    def node(self) -> ast.stmt:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like: the worker reports them
            return ast.parse(self.source).body[0]

    def where(self, line: int) -> str:
        """Where line `line` of `source` is: `line 12` in a .py, `cell 4, line 3` in a notebook."""
        place = f"line {self.first + line - 1}"
        return place if self.cell is None else f"cell {self.cell}, {place}"


class Bound(NamedTuple):
    """What a top-level statement binds or defines, noted while its syntax tree is alive
    (`bound`)."""

    names: dict[str, bool]
    """Each name it binds at the top level: True where the statement itself binds it, which replaces
    what bound it before, as running it does; False where only a statement in one of its blocks
    (an `if`, a `try`, a `with`, a loop) does, which adds to it."""
    defines: bool
    """It defines a function or class, or sets an attribute (`x.name = ...`), itself or in its
    blocks: a name `Submission.defines` asks about may be one of these."""
    start: int
    """The column its first line starts at (after `x = 1; `), in UTF-8 bytes as syntax trees
    count."""
    end: int
    """The column its last line ends at, likewise."""


def bound(statement: ast.stmt) -> Bound | None:
    """What `statement`, a top-level statement, binds or defines, if anything."""
    columns = statement.col_offset, statement.end_col_offset or 0
    if type(statement) is ast.Assign:  # the commonest statement, read without the generators below
        targets = [target.id for target in statement.targets if type(target) is ast.Name]
        if len(targets) == len(statement.targets):
            return Bound(dict.fromkeys(targets, True), False, *columns)
    names: dict[str, bool] = {}
    defines = False
    for inner, alone in _inner(statement):
        for name, _, _ in _bindings(inner):
            names[name] = names.get(name, False) or alone
        defines = defines or isinstance(inner, DEFINITIONS) or any(_attributes(inner))
    return Bound(names, defines, *columns) if names or defines else None


@dataclass
class Definitions:
    """What a submission's top-level statements bind and define, noted in order as its code is
    read."""

    bound: dict[str, list[Statement]] = field(default_factory=dict)
    """By name, the statements that bind it as running them all leaves it: the last that binds it
    itself, then any after it that bind it in a block."""
    defining: list[Statement] = field(default_factory=list)
    """Every statement that defines a function, class or attribute (`Bound.defines`)."""

    def add(
        self, what: Bound, code: Source, first: int, last: int, cell: int | None = None
    ) -> None:
        """Note what a statement of `code` (the text of a file, or of notebook cell `cell`) binds
        and defines: the one on lines `first` to `last` that `what` tells of."""
        statement = Statement(code, first, last, what.start, what.end, cell)
        for name, alone in what.names.items():
            if alone:
                self.bound[name] = [statement]
            else:
                self.bound.setdefault(name, []).append(statement)
        if what.defines:
            self.defining.append(statement)


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
    another statement), in top-level statement `at`; `path` for an import's library object."""

    node: ast.AST
    at: Statement
    path: str | None = None


Scope = Mapping[str, list["Binding"]]
"""Names bound in a def's or expression's code, each with the ways it is bound."""
Seen = tuple[list[Use], str]
"""What the walk of some code sees: uses of forbidden names, or a top-level name to follow."""


class Submission:
    """A submission's top-level names, with what binds them (`Definitions`), each statement parsed
    the first time the policy needs it."""

    def __init__(self, definitions: Definitions) -> None:
        self.definitions = definitions
        self.read: dict[Statement, dict[str, list[Binding]]] = {}
        """What each statement parsed so far binds, by name (their trees kept while this lives)."""
        self.defined: dict[Statement, frozenset[str]] = {}
        """What each statement asked about so far defines (`_defined`; its tree not kept)."""
        self.own: dict[str, bool] = {}
        """By name asked about so far: whether the submission defines it (`defines`)."""
        self.resolving: set[int] = set()

    def bindings(self, name: str) -> list[Binding]:
        """The ways top-level name `name` is bound, as running the submission leaves them."""
        statements = self.definitions.bound.get(name, [])
        return [
            binding for statement in statements for binding in self._read(statement).get(name, [])
        ]

    def defines(self, name: str) -> bool:
        """Whether the submission defines `name` anywhere (a function, class or method of that
        name, or an attribute it sets): only statements whose text holds the name are parsed."""
        if name not in self.own:
            statements = (s for s in self.definitions.defining if name in s.source)
            self.own[name] = any(name in self._defined(s) for s in statements)
        return self.own[name]

    def _defined(self, statement: Statement) -> frozenset[str]:
        if statement not in self.defined:
            self.defined[statement] = frozenset(_defined(statement.node()))
        return self.defined[statement]

    def _read(self, statement: Statement) -> dict[str, list[Binding]]:
        """What `statement` binds. A binding by the statement itself replaces those before it, as
        running it does; one inside its `if`, `try`, `with` or loop adds to them."""
        if statement not in self.read:
            read: dict[str, list[Binding]] = {}
            for inner, alone in _inner(statement.node()):
                for name, node, path in _bindings(inner):
                    binding = Binding(node, statement, path)
                    if alone:
                        read[name] = [binding]
                    else:
                        read.setdefault(name, []).append(binding)
            self.read[statement] = read
        return self.read[statement]

    def uses(self, symbol: str, names: frozenset[str], answers: frozenset[str]) -> list[Use]:
        """The uses of `names` by the answer `symbol` and the helpers it reaches (not the other
        `answers`), in the order met."""
        found: list[Use] = []
        queue, seen = [symbol], {symbol}
        while queue:
            for binding in self.bindings(queue.pop(0)):
                if binding.path is not None:  # the answer or helper is itself imported
                    found += self._sure(binding.node, binding.path, names, binding.at)
                    continue
                local = _locals(binding.node, binding.at)
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
        at = binding.at
        for node in ast.walk(binding.node):
            if isinstance(node, ast.Call | ast.Subscript):
                meaning = self.meaning(node, local)
                if isinstance(meaning, str):
                    consumed.update(map(id, ast.walk(node)))
                    yield self._sure(node, meaning, names, at), ""
            elif isinstance(node, ast.Attribute):
                meaning = self.meaning(node, local)
                if isinstance(meaning, str):
                    yield self._sure(node, meaning, names, at), ""
                elif node.attr in names and not self.defines(node.attr):
                    yield [self._unsure(node, node.attr, at)], ""
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                meaning = self.meaning(node, local)
                if isinstance(meaning, str):
                    yield self._sure(node, meaning, names, at), ""
                elif meaning is Kind.UNKNOWN and node.id in names:
                    yield [self._unsure(node, node.id, at)], ""
                elif node.id not in local and node.id in self.definitions.bound:
                    yield [], node.id
            elif isinstance(node, ast.Constant) and node.value in names:
                if id(node) not in consumed:
                    yield [self._unsure(node, str(node.value), at)], ""

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
        if name in self.definitions.bound:
            return self._bound(self.bindings(name), {})
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

    def _sure(self, node: ast.AST, path: str, names: frozenset[str], at: Statement) -> list[Use]:
        name = next((part for part in path.split(".") if part in names), None)
        if name is None:
            return []
        imported = isinstance(node, ast.Import | ast.ImportFrom)  # as the import names it
        written = path.rpartition(".")[2] if imported else _written(node, name)
        return [Use(name, written, path, _where(at, node))]

    def _unsure(self, node: ast.AST, name: str, at: Statement) -> Use:
        return Use(name, _written(node, name), None, _where(at, node))


def _inner(statement: ast.stmt, alone: bool = True) -> Iterator[tuple[ast.stmt, bool]]:
    """`statement` (`alone`), then the statements of its blocks, which run or not as the code
    decides (not `alone`): an `if`'s, a loop's, a `with`'s, a `try`'s."""
    yield statement, alone
    if isinstance(statement, BLOCKS):
        blocks = [getattr(statement, block, []) for block in ("body", "orelse", "finalbody")]
        blocks += [handler.body for handler in getattr(statement, "handlers", [])]
        for block in blocks:
            for inner in block:
                yield from _inner(inner, alone=False)


def _bindings(statement: ast.stmt) -> Iterator[tuple[str, ast.AST, str | None]]:
    """The names a statement binds, each with what binds it (a def or class, an assigned
    expression, an import, or the statement) and, for an import, the library object."""
    if isinstance(statement, DEFINITIONS):
        yield statement.name, statement, None
    elif isinstance(statement, ast.Import):
        for alias in statement.names:
            if alias.asname:
                yield alias.asname, statement, alias.name
            else:
                top = alias.name.partition(".")[0]
                yield top, statement, top
    elif isinstance(statement, ast.ImportFrom):
        module = statement.module if statement.level == 0 else None
        for alias in statement.names:
            if alias.name != "*":
                path = f"{module}.{alias.name}" if module else None
                yield alias.asname or alias.name, statement, path
    elif isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
        for target in _targets(statement):
            if isinstance(target, ast.Name):
                yield target.id, statement.value, None
            else:
                yield from ((name, statement, None) for name in _names(target))
    elif isinstance(
        statement, ast.For | ast.With
    ):  # their blocks are read as statements of their own
        for target in _targets(statement):
            yield from ((name, statement, None) for name in _names(target))
    elif isinstance(statement, ast.AugAssign | ast.AnnAssign | ast.Expr):
        yield from ((name, statement, None) for name in _stored(statement))


def _targets(statement: ast.stmt) -> list[ast.expr]:
    """What a statement assigns to."""
    if isinstance(statement, ast.Assign):
        return statement.targets
    if isinstance(statement, ast.AugAssign | ast.AnnAssign | ast.For):
        return [statement.target]
    if isinstance(statement, ast.With):
        return [item.optional_vars for item in statement.items if item.optional_vars is not None]
    return []


def _stores(target: ast.expr) -> Iterator[ast.expr]:
    """What an assignment's `target` stores into: itself, or each item of its tuple or list."""
    if isinstance(target, ast.Tuple | ast.List):
        for item in target.elts:
            yield from _stores(item)
    elif isinstance(target, ast.Starred):
        yield from _stores(target.value)
    else:
        yield target


def _names(target: ast.expr) -> Iterator[str]:
    """The names an assignment's `target` binds (`a, b.c, d[0] = ...` binds `a`)."""
    return (store.id for store in _stores(target) if isinstance(store, ast.Name))


def _attributes(statement: ast.stmt) -> Iterator[str]:
    """The attributes a statement sets (`x.name = ...`), outside the defs in it."""
    stores = (store for target in _targets(statement) for store in _stores(target))
    return (store.attr for store in stores if isinstance(store, ast.Attribute))


def _defined(node: ast.AST) -> Iterator[str]:
    """The names of the functions, classes and methods defined in `node`, and of the attributes it
    sets."""
    for child in ast.walk(node):
        if isinstance(child, DEFINITIONS):
            yield child.name
        elif isinstance(child, ast.Attribute) and isinstance(child.ctx, ast.Store):
            yield child.attr


def _locals(node: ast.AST, at: Statement) -> Scope:
    """The names bound inside a def, class or expression of statement `at` (its parameters,
    assignments, imports and nested definitions, nested scopes merged), less those it declares
    global."""
    local: dict[str, list[Binding]] = {}
    declared: set[str] = set()
    for child in ast.walk(node):
        if child is not node and isinstance(child, DEFINITIONS):
            local.setdefault(child.name, []).append(Binding(child, at))
        elif isinstance(child, ast.arg):
            local.setdefault(child.arg, []).append(Binding(child, at))
        elif isinstance(child, ast.Assign) and isinstance(target := child.targets[0], ast.Name):
            local.setdefault(target.id, []).append(Binding(child.value, at))
        elif isinstance(child, ast.Import | ast.ImportFrom):
            for name, bound_by, path in _bindings(child):
                local.setdefault(name, []).append(Binding(bound_by, at, path))
        elif isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
            local.setdefault(child.id, []).append(Binding(child, at))
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


def _where(at: Statement, node: ast.AST) -> str:
    return at.where(getattr(node, "lineno", 1))
