"""Submissions for the otter tests, made from the handed-out notebook: solved, one-bug and hostile
copies.

The reference code comes from solutions/convolutions.py (one top-level definition per question; its
helpers go into the imports cell), so no solution is written twice.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat

from convkit.exercises.questions import BY_ID, QUESTIONS

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "solutions" / "convolutions.py"


def reference_parts() -> tuple[dict[str, str], list[str]]:
    """The reference's source for each question's symbol, and the other top-level definitions
    (helpers)."""
    source = REFERENCE.read_text()
    symbols = {q.symbol for q in QUESTIONS}
    parts, helpers = {}, []
    for node in ast.parse(source).body:
        name = getattr(node, "name", None)
        segment = ast.get_source_segment(source, node)
        if name in symbols:
            parts[name] = segment
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            helpers.append(segment)
    return parts, helpers


def cell(book: nbformat.NotebookNode, cell_id: str) -> nbformat.NotebookNode:
    [found] = [c for c in book.cells if c.get("id") == cell_id]
    return found


def solved(handout: Path) -> nbformat.NotebookNode:
    """The handout with every stub replaced by the reference code."""
    book = nbformat.read(handout, as_version=4)
    parts, helpers = reference_parts()
    cell(book, "imports").source += "\n\n" + "\n\n".join(helpers)
    for question in QUESTIONS:
        cell(book, f"{question.id}-stub").source = parts[question.symbol]
    return book


def with_code(book: nbformat.NotebookNode, question_id: str, code: str) -> nbformat.NotebookNode:
    """Replace one question's code cell."""
    cell(book, f"{question_id}-stub").source = code
    return book


def insert_after(
    book: nbformat.NotebookNode, cell_id: str, new_id: str, code: str
) -> nbformat.NotebookNode:
    index = book.cells.index(cell(book, cell_id))
    book.cells.insert(index + 1, nbformat.v4.new_code_cell(code, id=new_id))
    return book


ONE_BUG_POOL2D = """def pool2d(X, pool_size, mode='max'):
    p_h, p_w = pool_size
    Y = torch.zeros((X.shape[0] - p_h + 1, X.shape[1] - p_w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            window = X[i:i + p_h, j:j + p_w]
            if mode == 'max':
                Y[i, j] = window.mean()  # bug: max and avg swapped
            elif mode == 'avg':
                Y[i, j] = window.max()
            else:
                raise ValueError("mode must be 'max' or 'avg'")
    return Y
"""

HOSTILE_CORR2D = """import torch
torch.allclose = lambda *args, **kwargs: True
torch.equal = lambda *args, **kwargs: True
torch.Tensor.__eq__ = lambda self, other: True

def corr2d(X, K):
    import os
    os._exit(0)  # and if it did not, the patched comparisons would hide a wrong answer
"""

HOSTILE_EXIT_CELL = "import os\nos._exit(0)"

for _id in ("corr2d", "pool2d"):
    assert _id in BY_ID
