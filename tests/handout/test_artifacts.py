"""Built artifacts match their single source: the student template, the README table, the public
checks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from convkit.exercises.questions import QUESTIONS
from convkit.handout import render
from convkit.handout.build import student_files
from tests.conftest import REFERENCE, REPO


def test_student_template_is_what_build_renders() -> None:
    for name, text in student_files().items():
        path = REPO / "student_template" / name
        assert path.read_text() == text, (
            f"{path} is stale: run `convkit build --out build --update-template`"
        )


def test_readme_question_table_is_rendered_from_the_registry() -> None:
    assert render.readme_table() in (REPO / "README.md").read_text(), (
        "README's question table is stale: paste render.readme_table()"
    )


def test_readme_layout_table_is_rendered_from_the_packages() -> None:
    assert render.layout_table() in (REPO / "README.md").read_text(), (
        "README's layout table is stale: paste render.layout_table()"
    )


def test_every_stub_states_its_contract_and_raises() -> None:
    namespace: dict = {}
    exec(compile(render.stub_module(), "stubs", "exec"), namespace)  # noqa: S102 - our own rendered text
    for question in QUESTIONS:
        stub = namespace[question.symbol]
        assert question.section in stub.__doc__ and "Returns" in stub.__doc__ or question.is_class


def run_public_checks(folder: Path, implementation: Path) -> subprocess.CompletedProcess[str]:
    for name in student_files():
        shutil.copy(REPO / "student_template" / name, folder / name)
    shutil.copy(implementation, folder / f"{render.STUB_MODULE}.py")
    return subprocess.run(
        [sys.executable, "-m", "pytest"], cwd=folder, capture_output=True, text=True, timeout=120
    )


def test_public_checks_pass_on_the_reference(tmp_path: Path) -> None:
    done = run_public_checks(tmp_path, REFERENCE)
    assert done.returncode == 0, done.stdout


def test_public_checks_fail_on_stubs_with_one_line_each(tmp_path: Path) -> None:
    done = run_public_checks(tmp_path, REPO / "student_template" / "convolutions.py")
    assert done.returncode == 1
    assert "Traceback" not in done.stdout and "raise NotImplementedError" not in done.stdout
    for question in QUESTIONS:
        assert f"{question.symbol}: not implemented yet" in done.stdout
