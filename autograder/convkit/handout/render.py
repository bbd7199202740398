"""Text rendered from `convkit.exercises.questions`: the student's stub module, public checks, and
the README table."""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

from convkit.checking.checks import all_points
from convkit.exercises.questions import ASSIGNMENT, QUESTIONS, PublicCheck, Question
from convkit.handout import public_checks as public_checks_module

STUB_MODULE = ASSIGNMENT
OTTER = "otter-grader==7.0.0"
"""The otter-grader students get: the notebook's first cell installs it where it is missing,
requirements.txt pins it (the grader's own, in the zip and pyproject.toml, is the same release)."""

STUB_TITLE = (
    "Exercises for Dive into Deep Learning 6.2-6.5: convolutions, padding and stride, channels, "
    "pooling."
)
HANDOUT_HOW = (
    "Replace each `raise NotImplementedError` with your code, then run `pytest` in this folder for "
    "the public\nchecks (the book's examples, one line each). The hidden checks that grade you use "
    "other, random inputs."
)
"""How students check their work, in the handout's module (PrairieLearn's says its own)."""


def stub(question: Question) -> str:
    """The stub of one question: its signature, its docstring, and a NotImplementedError."""
    message = f'raise NotImplementedError("{question.symbol}: not implemented yet")'
    docstring = f'"""{question.docstring}\n    """'
    if not question.is_class:
        return f"def {question.signature}:\n    {docstring}\n    {message}\n"
    methods = []
    for method in question.methods:
        body = (
            f"super().__init__()\n        {message}" if method.startswith("__init__") else message
        )
        methods.append(f"    def {method}:\n        {body}\n")
    return f"{question.signature}:\n    {docstring}\n\n" + "\n".join(methods)


def stub_module(how: str = HANDOUT_HOW) -> str:
    """The module of every stub, whose docstring says `how` students check their work."""
    header = f'"""{STUB_TITLE}\n\n{how}\n"""\n\nimport torch\nfrom torch import nn\n'
    return header + "".join(f"\n\n{stub(question)}" for question in QUESTIONS)


PUBLIC_TESTS_HEADER = (
    '''"""Public checks: the book's examples, one line each. Run `pytest` in '''
    """this folder.

They use the book's inputs; the hidden checks that grade your work use other, random inputs, so """
    '''passing these is
a start, not the end.
"""

import pytest

'''
)

PUBLIC_TESTS_FOOTER = (
    f"""

import {STUB_MODULE}  # noqa: E402 - your code, after the checks are defined


@pytest.mark.parametrize(("question", "name"), [(q, n) for q in CHECKS for n in CHECKS[q]], """
    f"""ids=lambda value: value)
def test_public(question, name):
    failure = verdict(question, name, vars({STUB_MODULE}))
    if failure:
        pytest.fail("\\n".join(failure), pytrace=False)
"""
)


def public_checks() -> str:
    """The public checks as one self-contained block of Python: the runtime
    (`convkit.handout.public_checks`, verbatim), then each question's checks, rendered from
    `convkit.exercises.questions`, with the wrong outputs of its known bugs on the book's inputs
    (computed by the oracle when the handout is built)."""
    from convkit.handout.public_bugs import wrong_outputs

    parts = [Path(public_checks_module.__file__).read_text().rstrip() + "\n"]
    for question in QUESTIONS:
        names = {}
        for public in question.public:
            slug = "".join(c if c.isalnum() else "_" for c in public.name.lower())
            function = f"_check_{question.id}_{slug}"
            names[public.name] = function
            parts.append(check_source(question, public, function, wrong_outputs(question, public)))
        entries = "".join(f"    {name!r}: {function},\n" for name, function in names.items())
        parts.append(f"\n\nCHECKS[{question.id!r}] = {{\n{entries}}}\n")
        if question.builds_on:
            parts.append(f"BUILDS_ON[{question.id!r}] = {question.builds_on!r}\n")
    return "".join(parts)


def check_source(
    question: Question, public: PublicCheck, function: str, bugs: list[dict[str, str]]
) -> str:
    """One public check as a function of the student's names; `bugs` holds, per example, the known
    bugs' outputs."""
    code = "\n".join(filter(None, [public.setup, public.code]))
    used = [
        q.symbol
        for q in QUESTIONS
        if re.search(rf"\b{re.escape(q.symbol)}\b", code + "".join(e.call for e in public.examples))
    ]
    body = [f"{name} = symbol(env, {name!r})" for name in used]
    body += public.setup.splitlines()
    for example, wrong in zip(public.examples, bugs, strict=True):
        compare = "expect_equal" if example.equal else "expect_close"
        tol = "" if example.equal or example.tol == 1e-4 else f", tol={example.tol!r}"
        rendered = "".join(
            f"        {text!r}:\n            {value.replace(chr(10), chr(10) + ' ' * 12)},\n"
            for text, value in wrong.items()
        )
        known = f", bugs={{\n{rendered}    }}" if wrong else ""
        body.append(f"{compare}({example.call!r}, {example.call}, {example.expected}{known}{tol})")
    body += public.code.splitlines()
    return f"\n\ndef {function}(env):\n" + textwrap.indent("\n".join(body), "    ") + "\n"


def public_tests() -> str:
    """test_convolutions.py: the public checks, as one pytest test per check."""
    return PUBLIC_TESTS_HEADER + public_checks() + PUBLIC_TESTS_FOOTER


def readme_table() -> str:
    points = all_points()
    rows = ["| id | the student writes | D2L | points |", "|---|---|---|---|"]
    for question in QUESTIONS:
        rows.append(
            f"| `{question.id}` | `{question.signature}` | {question.section} | "
            f"{points[question.id]:g} |"
        )
    rows.append(f"| | **total** | | **{sum(points.values()):g}** |")
    return "\n".join(rows) + "\n"


# --- otter-grader test files of the autograder zip
# ---------------------------------------------------


def ok_placeholder(question: Question, points: float) -> str:
    """The autograder zip's test file for one question: it fails on its own, so a question scores 0
    unless the convkit plugin writes the engine's grade (otter's kernel never sees the student's
    code)."""
    code = ">>> print('not graded: the convkit plugin did not run')\ngraded by convkit"
    cases = [
        {
            "name": f"{question.id}: graded by convkit",
            "code": code,
            "hidden": False,
            "locked": False,
        }
    ]
    return _ok_file(question.id, points, cases)


def raw_block(code: str, what: str) -> str:
    """`code` as a raw triple-quoted literal, so a test file shows its code as code, not as an
    escaped line."""
    if "'''" in code or code.endswith(("\\", "'")):
        raise ValueError(f"{what}: code cannot be written as a triple-quoted string")
    return f"r'''{code}'''"


def _ok_file(name: str, points: float, cases: list[dict[str, object]]) -> str:
    """An OK-format file whose case code reads as code (triple-quoted), not as an escaped
    one-liner."""
    rendered = []
    for case in cases:
        code = raw_block(str(case["code"]), str(case["name"]))
        rendered.append(
            "                {\n"
            f"                    'name': {case['name']!r},\n"
            f"                    'code': {code},\n"
            f"                    'hidden': {case['hidden']!r},\n"
            f"                    'locked': {case['locked']!r},\n"
            "                },\n"
        )
    return (
        "OK_FORMAT = True\n\n"
        "test = {\n"
        f"    'name': {name!r},\n"
        f"    'points': {points!r},\n"
        "    'suites': [\n"
        "        {\n"
        "            'cases': [\n" + "".join(rendered) + "            ],\n"
        "            'scored': True,\n"
        "            'setup': '',\n"
        "            'teardown': '',\n"
        "            'type': 'doctest',\n"
        "        },\n"
        "    ],\n"
        "}\n"
    )


FOLDERS = {
    "assignments/": "the authoring source of the handout (the chapter's explanations) and the "
    "instructor's "
    "choices: `convkit.toml`, otter's config, requirements",
    "solutions/": "reference solutions in the book's loop style",
    "student_template/": "what students get, rendered by `convkit build` (a test keeps it in step)",
    "tests/": "the kit's own tests, one folder per package of convkit and `e2e/`, and their "
    "corpora in "
    "`corpora/`: bug catalogs (`catalog*/`), honest styles (`honest/`), attacks (`attacks/`, "
    "expected scores "
    "in `expected.json`)",
    "benchmarks/": "speed and memory measured side by side, and what was measured "
    "(`benchmarks/README.md`)",
}
"""The repository's folders outside the package, for the README's layout table."""


def layout_table(package: Path | None = None) -> str:
    """The README's layout table: each folder, then each part of convkit as its own docstring says
    it."""
    package = package or Path(__file__).resolve().parents[1]
    rows = ["| path | what it holds |", "|---|---|"]
    rows += [f"| `{folder}` | {what} |" for folder, what in FOLDERS.items()]
    for path in sorted(package.glob("*.py")):
        rows.append(f"| `autograder/convkit/{path.name}` | {_summary(path)} |")
    for init in sorted(p for p in package.glob("*/__init__.py") if not p.parent.is_symlink()):
        modules = ", ".join(
            f"`{p.name}`" for p in sorted(init.parent.glob("*.py")) if p.name != "__init__.py"
        )
        rows.append(f"| `autograder/convkit/{init.parent.name}/` | {_summary(init)} ({modules}) |")
    return "\n".join(rows) + "\n"


def _summary(path: Path) -> str:
    """The first sentence of a module's docstring, on one line."""
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    return " ".join(doc.split("\n\n")[0].split()).replace("|", "\\|")
