"""What a student sees, pinned: the handout's pytest and `grader.check` outputs on the untouched
stubs, on one bug (a flipped kernel in `corr2d`) and on correct code are exactly the blocks shown in
the README.

After a deliberate change to the public checks, rewrite the README's blocks with
`python3 -m tests.handout.test_handout_outputs`.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from convkit.handout.build import student_files
from convkit.handout.notebook import NOTEBOOK_NAME, notebook_text
from tests.conftest import REFERENCE, REPO, STUBS

README = REPO / "README.md"
FLIP = (
    "            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()",
    "            Y[i, j] = (X[i:i + h, j:j + w] * K.flip(0, 1)).sum()",
)
CHECKED = ("corr2d", "conv2d_layer")
FLOAT_LOSS = ("        losses.append(loss.item())", "        losses.append(float(loss))")
BLOCK = re.compile(r"(<!-- pinned: (\S+) -->\n```\n)(.*?)(```)", re.DOTALL)


def versions() -> dict[str, str]:
    """The three submissions a student's day passes through."""
    reference = REFERENCE.read_text()
    assert FLIP[0] in reference, "the reference's corr2d changed: update FLIP"
    return {
        "stubs": STUBS.read_text(),
        "one-bug": reference.replace(FLIP[0], FLIP[1]),
        "correct": reference,
    }


def pytest_output(code: str) -> str:
    """`python3 -m pytest` in a handout folder holding `code` as convolutions.py, without its
    timing."""
    with tempfile.TemporaryDirectory() as folder:
        for name, text in student_files().items():
            (Path(folder) / name).write_text(text)
        (Path(folder) / "convolutions.py").write_text(code)
        done = subprocess.run(
            [sys.executable, "-m", "pytest"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
        )
    return re.sub(r" in \d+\.\d+s", "", done.stdout).strip() + "\n"


CHECK_SCRIPT = """
import sys, nbformat
book = nbformat.read({notebook!r}, as_version=4)
namespace = {{}}
exec(book.cells[1].source, namespace)  # the notebook's hidden first code cell, as Jupyter runs it
exec(open({code!r}).read(), namespace)
for question in {questions!r}:
    exec(f"grader.check({{question!r}})", namespace)
"""


def check_output(code: str, questions: tuple[str, ...] = CHECKED) -> str:
    """`grader.check(...)` for `questions`, run in the notebook's namespace as Jupyter would; what
    it writes to stderr (a warning) is shown under the cell too, so there must be none."""
    with tempfile.TemporaryDirectory() as folder:
        notebook, source = Path(folder) / NOTEBOOK_NAME, Path(folder) / "answers.py"
        notebook.write_text(notebook_text())
        source.write_text(code)
        script = CHECK_SCRIPT.format(notebook=str(notebook), code=str(source), questions=questions)
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=folder, capture_output=True, text=True, timeout=300
        )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout.strip() + "\n"


def outputs() -> dict[str, str]:
    out = {}
    for name, code in versions().items():
        out[f"pytest-{name}"] = pytest_output(code)
        out[f"check-{name}"] = check_output(code)
    return out


def pinned() -> dict[str, str]:
    return {match.group(2): match.group(3) for match in BLOCK.finditer(README.read_text())}


@pytest.mark.slow
def test_the_readme_shows_exactly_what_students_see() -> None:
    shown, actual = pinned(), outputs()
    assert sorted(shown) == sorted(actual), "the README should pin each output once"
    for name, text in actual.items():
        assert shown[name] == text, (
            f"README block {name} is stale; run python3 -m tests.handout.test_handout_outputs"
        )


def test_student_outputs_have_no_plumbing_and_say_why() -> None:
    shown = pinned()
    for name, text in shown.items():
        assert "Traceback" not in text and "During handling" not in text and "exec(" not in text, (
            name
        )
        assert not re.search(r"^(E\s+)?(failed|AssertionError):?\s*$", text, re.MULTILINE), name
        assert all(len(line) <= 200 for line in text.splitlines()), name
    assert shown["pytest-stubs"].count("not implemented yet") == 12
    assert (
        "the kernel is flipped" in shown["pytest-one-bug"]
        and "`corr2d` fails its own checks; fix it first" in shown["pytest-one-bug"]
    )
    assert (
        shown["pytest-correct"].strip()
        == "............                                                             [100%]\n"
        "12 passed"
    )


def test_a_correct_float_of_the_loss_is_told_nothing() -> None:
    """`float(loss)` is a natural way to record the Python floats learn_kernel returns; torch warns
    that the loss requires grad, which a correct answer's checks should not pass on, in pytest or
    in the notebook."""
    reference = REFERENCE.read_text()
    assert FLOAT_LOSS[0] in reference, "the reference's learn_kernel changed: update FLOAT_LOSS"
    code = reference.replace(*FLOAT_LOSS)
    assert pytest_output(code) == pinned()["pytest-correct"]
    passed = ["recovers the edge kernel: passed", "all 1 public checks passed"]
    said = check_output(code, ("learn_kernel",))
    assert said == "".join(f"learn_kernel: {line}\n" for line in passed)


def main() -> None:
    text = README.read_text()
    actual = outputs()
    README.write_text(BLOCK.sub(lambda m: m.group(1) + actual[m.group(2)] + m.group(4), text))


if __name__ == "__main__":
    main()
