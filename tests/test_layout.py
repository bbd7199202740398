"""The package layout's dependency rules, read from the code: who may import whom, and no cycles."""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

import convkit

PACKAGE = Path(convkit.__file__).resolve().parent
FORBIDDEN = {
    "convkit.worker": (
        "convkit.",
    ),  # bound alone into the sandbox: it imports nothing else of convkit
    "convkit.output": (
        "torch",
        "convkit.batch",
        "convkit.sandbox",
        "convkit.checking",
        "convkit.grading",
    ),
    "convkit.checking": ("convkit.sandbox", "convkit.batch", "convkit.grading", "convkit.output"),
    "convkit.exercises": ("convkit.sandbox", "convkit.batch", "convkit.grading", "convkit.output"),
    "convkit.settings": (
        "torch",
        "convkit.sandbox",
        "convkit.batch",
        "convkit.grading",
        "convkit.checking",
    ),
    "convkit.results": ("torch", "convkit."),
    "convkit.errors": (
        "torch",
        "convkit.sandbox",
        "convkit.batch",
        "convkit.grading",
        "convkit.checking",
    ),
}
"""What each part may not import, even through another module (module-level imports, followed)."""
TEXT = {"convkit.output", "convkit.output.escaping", "convkit.output.numbers"}
"""Output's pure-text leaves (escaping, numbers), which import nothing: checks word their failures
with them."""
ENTRY = {"convkit.exercises.hidden.conftest"}
"""`pytest convkit/exercises/hidden --impl FILE` runs a trusted file in process, as grading reads
it."""


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    found = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: path for name, path in found.items() if not name.startswith("convkit.assignment")}


def _type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name | ast.Attribute) and "TYPE_CHECKING" in ast.unparse(
        node.test
    )


@cache
def imports(name: str) -> frozenset[str]:
    """What `name` imports when it is imported: its top-level imports (not those under TYPE_CHECKING
    or in a function), each as the most specific module that exists, or the outside package's
    name."""
    path = modules()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and not _type_checking(node):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(
                        parts[: len(parts) - node.level + 1]
                        + ([node.module] if node.module else [])
                    )
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    found.add(full if full in modules() else base)

    visit(ast.parse(path.read_text()).body)
    resolved = set()
    for target in found:
        if target.startswith("convkit"):
            while target not in modules():
                target = target.rpartition(".")[0]
            parents = [".".join(target.split(".")[:i]) for i in range(1, target.count(".") + 1)]
            mine = [".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)]
            # a.b.c runs a and a.b first
            resolved.update(p for p in parents if p in modules() and p not in mine)
        resolved.add(target)
    return frozenset(resolved - {name})


def reach(name: str) -> dict[str, list[str]]:
    """Everything importing `name` imports, each with a chain that shows how."""
    chains = {name: [name]}
    todo = [name]
    while todo:
        current = todo.pop()
        for target in sorted(imports(current)) if current in modules() else []:
            if target not in chains:
                chains[target] = [*chains[current], target]
                todo.append(target)
    return chains


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_each_part_imports_only_what_it_may(part: str) -> None:
    wrong = []
    for name in sorted(
        m for m in modules() if (m == part or m.startswith(part + ".")) and m not in ENTRY
    ):
        for target, chain in reach(name).items():
            if target not in TEXT and any(
                target == bad or target.startswith(bad if bad.endswith(".") else bad + ".")
                for bad in FORBIDDEN[part]
            ):
                if not target.startswith(part):  # the worker imports itself
                    wrong.append(" -> ".join(chain))
    assert not wrong, "\n".join(sorted(wrong)[:20])


def test_the_text_leaves_import_nothing_of_convkit() -> None:
    mine = {
        name: sorted(t for t in imports(name) if t.startswith("convkit.") and t != "convkit.output")
        for name in TEXT
    }
    assert mine == dict.fromkeys(TEXT, [])


def test_no_module_imports_itself_through_others() -> None:
    cycles = []
    for name in sorted(modules()):
        for target in imports(name):
            if target in modules() and name in reach(target):
                cycles.append(" -> ".join([name, *reach(target)[name][0:]]))
    assert not cycles, "\n".join(sorted(cycles)[:20])


def test_a_hidden_check_imports_one_module_of_convkit() -> None:
    """Check authors see one face, `convkit.checking`, as pytest's users see `pytest`."""
    for path in sorted((PACKAGE / "exercises" / "hidden").glob("test_*.py")):
        nodes = [
            n
            for n in ast.walk(ast.parse(path.read_text()))
            if isinstance(n, ast.Import | ast.ImportFrom)
        ]
        named = {n.module or "" for n in nodes if isinstance(n, ast.ImportFrom)} | {
            a.name for n in nodes if isinstance(n, ast.Import) for a in n.names
        }
        assert {m for m in named if m.startswith("convkit")} == {"convkit.checking"}, (
            f"{path.name} imports {sorted(named)}"
        )


def test_grading_reports_imports_no_torch() -> None:
    """The zip's and PrairieLearn's report steps rewrite JSON: they must not pay for torch or the
    judge."""
    code = (
        "import sys, convkit.output.reports, convkit.output.feedback; print(sorted(m for m in "
        "sys.modules if m == 'torch' or m.startswith(('convkit.sandbox', 'convkit.batch'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"


def test_the_old_preload_path_still_starts_the_judges_on_a_dask_worker() -> None:
    """`dask worker --preload convkit.judge.cluster`, as convkit 0.1 documented it."""
    pytest.importorskip("distributed")
    from convkit.batch import cluster
    from convkit.judge import cluster as old

    assert old.dask_setup is cluster.dask_setup
