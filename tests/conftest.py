"""Shared paths for the kit's own tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

from convkit.output.feedback import LINE, question_markdown, significant
from convkit.output.reports import gradescope
from convkit.results import SubmissionResult


def pytest_configure() -> None:
    """xdist workers, judges and sandboxes share two cores: one torch thread each, or they
    oversubscribe."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)


REPO = Path(__file__).resolve().parents[1]
CORPORA = Path(__file__).resolve().parent / "corpora"
"""Submissions the tests grade: bug catalogs, honest styles, attacks (each file a student's)."""
REFERENCE = REPO / "solutions" / "convolutions.py"
STUBS = REPO / "student_template" / "convolutions.py"

BASE_LINE = re.compile(r"^# base: (\S+)", re.MULTILINE)


def expand(path: Path, folder: Path) -> Path:
    """A catalog or attack file holds only what it changes; its `# base:` line names the correct
    submission it changes. Write the whole submission (the base, then the file, whose definitions
    win) under the same name."""
    text = path.read_text()
    match = BASE_LINE.search(text) if path.suffix == ".py" else None
    if match is None:
        return path
    whole = folder / path.name
    whole.write_text((REPO / match.group(1)).read_text() + "\n\n" + text)
    return whole


NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d+(?:e[-+]?\d+)?(?![\w.])")


def unreadable(result: SubmissionResult) -> list[str]:
    """What makes a submission's rendered feedback hard to read: lines over 200 characters, numbers
    with more than four significant digits."""
    problems = []
    texts = [question_markdown(question, result.partial) for question in result.questions]
    texts += [str(gradescope(result)["output"])]
    for text in texts:
        for line in text.splitlines():
            if len(line) > LINE:
                problems.append(f"a line of {len(line)} characters: {line[:80]}...")
            problems += [
                f"{number} in: {line[:120]}"
                for number in NUMBER.findall(line)
                if significant(number) > 4
            ]
    return problems


DOCKERLIKE = Path(__file__).resolve().parent / "dockerlike.py"


def docker_like(
    *command: str | Path, binds: dict[str, Path] | None = None, reachable_root: bool = True
) -> list[str]:
    """`command` run as Docker's default confinement runs a container's root
    (`tests/dockerlike.py`), with `binds` (target: source) in its file system and /root open to
    other users, as in a prepared grader image."""
    placed = [f"--bind={source}:{target}" for target, source in (binds or {}).items()]
    return [
        sys.executable,
        str(DOCKERLIKE),
        *(["--reachable-root"] if reachable_root else []),
        *placed,
        "--",
        *map(str, command),
    ]


def convkit(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`convkit ...` as an instructor types it, in a course folder of its own (never the
    repository)."""
    if cwd is None:
        cwd = Path(tempfile.mkdtemp(prefix="convkit-course-"))
    return subprocess.run(
        [sys.executable, "-m", "convkit.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )
