"""Text rendered from `convkit.questions`: the student's stub module, public checks, and the README table."""

from __future__ import annotations

import textwrap

from .judge.checks import all_points
from .questions import QUESTIONS, Question

STUB_MODULE = "convolutions"

STUB_HEADER = '''"""Exercises for Dive into Deep Learning 6.2-6.5: convolutions, padding and stride, channels, pooling.

Replace each `raise NotImplementedError` with your code, then run `pytest` in this folder for the public
checks (the book's examples). The hidden checks that grade you use other, random inputs.
"""

import torch
from torch import nn
'''

ASSERT_CLOSE = '''def assert_close(actual, expected, tol=1e-4):
    """Fail with the error size unless `actual` is a float tensor equal to `expected` within `tol`."""
    expected = torch.as_tensor(expected, dtype=torch.float64)
    assert isinstance(actual, torch.Tensor), f"expected a torch.Tensor, got {type(actual).__name__}"
    assert actual.is_floating_point(), f"expected a floating-point tensor, got dtype {actual.dtype}"
    assert actual.shape == expected.shape, f"expected shape {tuple(expected.shape)}, got {tuple(actual.shape)}"
    error = (actual.detach().double() - expected).abs().max().item() if expected.numel() else 0.0
    assert error <= tol, f"max error {error:.3g} (a correct answer reaches < {tol:g})"
'''

PUBLIC_HEADER = f'''"""Public checks: the book's examples. Run `pytest` in this folder; the hidden checks are more thorough."""

import pytest
import torch

from {STUB_MODULE} import *  # noqa: F403


{ASSERT_CLOSE}

def not_implemented_is_one_line(check):
    """Untouched stubs fail with one line, not a traceback."""

    def run():
        try:
            check()
        except NotImplementedError as exc:
            pytest.fail(str(exc) or "not implemented yet", pytrace=False)

    run.__name__ = check.__name__
    return run
'''


def stub(question: Question) -> str:
    """The stub of one question: its signature, its docstring, and a NotImplementedError."""
    message = f'raise NotImplementedError("{question.symbol}: not implemented yet")'
    docstring = f'"""{question.docstring}\n    """'
    if not question.is_class:
        return f"def {question.signature}:\n    {docstring}\n    {message}\n"
    methods = []
    for method in question.methods:
        body = f"super().__init__()\n        {message}" if method.startswith("__init__") else message
        methods.append(f"    def {method}:\n        {body}\n")
    return f"{question.signature}:\n    {docstring}\n\n" + "\n".join(methods)


def stub_module() -> str:
    return STUB_HEADER + "".join(f"\n\n{stub(question)}" for question in QUESTIONS)


def check_function_name(question: Question, check_name: str) -> str:
    return f"test_{question.id}_{''.join(c if c.isalnum() else '_' for c in check_name.lower())}"


def public_tests() -> str:
    parts = [PUBLIC_HEADER]
    for question in QUESTIONS:
        for public in question.public:
            body = textwrap.indent(public.code, "    ")
            parts.append(f"\n\n@not_implemented_is_one_line\ndef {check_function_name(question, public.name)}():\n{body}\n")
    return "".join(parts)


def readme_table() -> str:
    points = all_points()
    rows = ["| id | the student writes | D2L | points |", "|---|---|---|---|"]
    for question in QUESTIONS:
        rows.append(f"| `{question.id}` | `{question.signature}` | {question.section} | {points[question.id]:g} |")
    rows.append(f"| | **total** | | **{sum(points.values()):g}** |")
    return "\n".join(rows) + "\n"


# --- otter-grader test files (issue 4) -------------------------------------------------------------------

OK_RUNNER = '''def run_check(name, environment):
    """Run one public check in the notebook's environment; print one line: passed, or why not."""
    try:
        exec(CHECKS[name], {**environment, "torch": torch, "assert_close": assert_close})
    except NotImplementedError as error:
        print(str(error) or "not implemented yet")
    except AssertionError as error:
        print(f"failed: {error}")
    except Exception as error:
        print(f"failed: {type(error).__name__}: {error}")
    else:
        print("passed")
'''


def ok_case(question: Question, check_name: str) -> str:
    """One public check as one one-line otter doctest case: it loads this test file's helpers and prints one
    line ("passed", "...: not implemented yet", or the failure), never a traceback."""
    load = f'import pathlib; exec(pathlib.Path("tests/{question.id}.py").read_text())'
    return f">>> {load}; run_check({check_name!r}, globals())\npassed"


def ok_test(question: Question, points: float) -> str:
    """The student's otter test file for one question (`tests/<id>.py`): its public checks, in OK format.

    The file is also the checks' code: each case execs the file (from the notebook's folder, where otter looks
    for tests) for `CHECKS`, `assert_close` and `run_check`, so what a failing check shows stays short."""
    cases = [
        {"name": f"{question.id}: {public.name}", "code": ok_case(question, public.name), "hidden": False, "locked": False}
        for public in question.public
    ]
    checks = "".join(
        f"    {public.name!r}: {raw_block(public.code + chr(10), f'{question.id}: {public.name}')},\n" for public in question.public
    )
    header = (
        f'"""Public checks for `{question.id}` (the book\'s examples): run them with grader.check("{question.id}")."""\n\n'
        "import torch\n\n"
        f"CHECKS = {{\n{checks}}}\n\n\n{ASSERT_CLOSE}\n\n{OK_RUNNER}\n\n"
    )
    return header + _ok_file(question.id, points, cases)


def ok_placeholder(question: Question, points: float) -> str:
    """The autograder zip's test file for one question: it fails on its own, so a question scores 0 unless the
    convkit plugin writes the engine's grade (otter's kernel never sees the student's code)."""
    code = ">>> print('not graded: the convkit plugin did not run')\ngraded by convkit"
    cases = [{"name": f"{question.id}: graded by convkit", "code": code, "hidden": False, "locked": False}]
    return _ok_file(question.id, points, cases)


def raw_block(code: str, what: str) -> str:
    """`code` as a raw triple-quoted literal, so a test file shows its code as code, not as an escaped line."""
    if "\'\'\'" in code or code.endswith(("\\", "\'")):
        raise ValueError(f"{what}: code cannot be written as a triple-quoted string")
    return f"r\'\'\'{code}\'\'\'"


def _ok_file(name: str, points: float, cases: list[dict[str, object]]) -> str:
    """An OK-format file whose case code reads as code (triple-quoted), not as an escaped one-liner."""
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
        "            'cases': [\n"
        + "".join(rendered)
        + "            ],\n"
        "            'scored': True,\n"
        "            'setup': '',\n"
        "            'teardown': '',\n"
        "            'type': 'doctest',\n"
        "        },\n"
        "    ],\n"
        "}\n"
    )
