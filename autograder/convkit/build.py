"""`convkit build`: everything a course hands out or uploads, rendered from `convkit.questions`."""

from __future__ import annotations

from pathlib import Path

from . import render

TEMPLATE = Path(__file__).resolve().parents[2] / "student_template"
PYTEST_INI = "[pytest]\naddopts = -q --tb=short -p no:cacheprovider\n"


def student_files() -> dict[str, str]:
    """The student's editor-and-pytest files; `student_template/` in the repository must equal these."""
    return {
        f"{render.STUB_MODULE}.py": render.stub_module(),
        f"test_{render.STUB_MODULE}.py": render.public_tests(),
        "pytest.ini": PYTEST_INI,
    }


def build(out: Path, update_template: bool = False) -> None:
    student = out / "student"
    student.mkdir(parents=True, exist_ok=True)
    for name, text in student_files().items():
        (student / name).write_text(text)
        if update_template:
            (TEMPLATE / name).write_text(text)
