"""The assignment notebook, rendered with nbformat from `convkit.exercises.questions` and
`assignments/narrative.toml`.

Questions, signatures, stubs and public checks come from `convkit.exercises.questions` (through
`convkit.handout.render`); the narrative file holds only the prose between them. Cell ids are
derived from question ids and section ids, and the JSON is written by nbformat with sorted keys, so
two builds give the same bytes.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import nbformat
from nbformat import v4

from convkit.exercises.questions import QUESTIONS, Question
from convkit.exercises.sources import ASSIGNMENT_FOLDER as FOLDER
from convkit.handout import render

NARRATIVE = FOLDER / "narrative.toml"
NOTEBOOK_NAME = f"{render.STUB_MODULE}.ipynb"

INIT_HEADER = (
    f"""# @title Run this cell first: it sets up the checks
# grader.check("<question id>") runs the book's examples for one question, one line each; """
    """grader.export() packs
# this notebook for submission. otter-grader is installed here if it is missing. You need not """
    f"""read further.
import inspect
import subprocess
import sys

try:
    import otter
except ImportError:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "{render.OTTER}"], check=True)
    import otter

"""
)
GRADER = (
    f'''

class Grader(otter.Notebook):
    """otter's Notebook, whose check runs the public checks above and prints one line per check."""

    def check(self, question, global_env=None):
        print(report(question, global_env if global_env is not None else '''
    f'''inspect.currentframe().f_back.f_globals))


grader = Grader("{NOTEBOOK_NAME}", tests_dir=".")
'''
)
IMPORTS_CELL = "import torch\nfrom torch import nn"
EXPORT_CELL = "grader.export(pdf=False)"


def load_narrative(path: Path = NARRATIVE) -> dict:
    with path.open("rb") as handle:
        narrative = tomllib.load(handle)
    sections = [s["id"] for s in narrative["sections"]]
    for question in QUESTIONS:
        if not any(_in_section(question.section, s) for s in sections):
            raise ValueError(
                f"{path}: no section for question {question.id} (D2L {question.section})"
            )
    if narrative["figure"]["after"] not in {q.id for q in QUESTIONS}:
        raise ValueError(
            f"{path}: [figure] after = {narrative['figure']['after']!r} is not a question id"
        )
    return narrative


def _in_section(question_section: str, section_id: str) -> bool:
    return question_section == section_id or question_section.startswith(section_id + ".")


def _markdown(cell_id: str, text: str) -> nbformat.NotebookNode:
    return v4.new_markdown_cell(text.strip(), id=cell_id)


def _code(cell_id: str, source: str, hidden: bool = False) -> nbformat.NotebookNode:
    """A code cell; a hidden one shows only its first line (Jupyter, VS Code) or its title (Colab's
    form view)."""
    metadata = {"cellView": "form", "jupyter": {"source_hidden": True}} if hidden else {}
    return v4.new_code_cell(source.strip("\n"), id=cell_id, metadata=metadata)


def init_cell() -> str:
    """The first cell: otter (installed if missing), the public checks
    (`convkit.handout.render.public_checks`) and a `grader` whose check runs them; the notebook
    needs no other file."""
    return INIT_HEADER + render.public_checks() + GRADER


def question_prompt(question: Question, where: str) -> str:
    """A question's heading and prompt, then `where` its answer goes ("below", in the notebook)."""
    return (
        f"### Question `{question.id}`: {question.title} (D2L {question.section})\n\n"
        f"{question.prompt}\n\n"
        f"Write `{question.signature}` {where}; its docstring gives the exact shapes and types."
    )


def section_text(section: dict) -> str:
    return f"## {section['title']}\n\n{section['text'].strip()}"


def opened_sections(narrative: dict) -> Iterator[tuple[list[dict], Question]]:
    """Each question in order, with the narrative's sections that open before it."""
    shown: set[str] = set()
    for question in QUESTIONS:
        opened = []
        for section in narrative["sections"]:
            if section["id"] not in shown and _in_section(question.section, section["id"]):
                shown.add(section["id"])
                opened.append(section)
        yield opened, question


def question_cells(question: Question) -> list[nbformat.NotebookNode]:
    return [
        _markdown(f"{question.id}-prompt", question_prompt(question, "below")),
        _code(f"{question.id}-stub", render.stub(question)),
        _code(f"{question.id}-check", f'grader.check("{question.id}")'),
    ]


def notebook(narrative: dict | None = None) -> nbformat.NotebookNode:
    narrative = narrative or load_narrative()
    cells = [
        _markdown("intro", f"# {narrative['title']}\n\n{narrative['intro'].strip()}"),
        _code("otter-init", init_cell(), hidden=True),
        _code("imports", IMPORTS_CELL),
    ]
    for sections, question in opened_sections(narrative):
        for section in sections:
            cell_id = f"section-{section['id'].replace('.', '-')}"
            cells.append(_markdown(cell_id, section_text(section)))
        cells += question_cells(question)
        figure = narrative["figure"]
        if figure["after"] == question.id:
            cells += [
                _markdown("edge-detection", figure["text"]),
                _code("edge-detection-plot", figure["code"]),
            ]
    cells += [_markdown("submit", narrative["outro"]), _code("export", EXPORT_CELL)]
    book = v4.new_notebook(cells=cells)
    book.metadata = {
        "kernelspec": {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        },
        "language_info": {"name": "python"},
    }
    nbformat.validate(book)
    return book


def notebook_text() -> str:
    """The notebook as the bytes `convkit build` writes (nbformat's canonical JSON, one trailing
    newline)."""
    return nbformat.writes(notebook()) + "\n"
