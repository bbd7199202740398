"""convkit as an instructor installs it: a wheel (not editable, no extras) in a new virtual
environment, then `convkit build` and `convkit grade` from a folder that is not the repository.

The venv sees the site-packages of the interpreter running the tests (a .pth file lists them)
for the heavy third-party dependencies (torch, otter-grader: the machine has no network for their
wheels), whether that interpreter is a system one or a virtual environment of its own, never
convkit's sources: the test proves the convkit it runs is the wheel's, and that the wheel declares
otter-grader as a regular dependency.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REFERENCE, REPO

pytestmark = pytest.mark.slow


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """A command as the instructor's shell runs it: no PYTHONPATH pointing at convkit's sources."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600, env=env
    )


def test_the_wheel_builds_and_grades_from_anywhere(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    built = run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        wheels,
        REPO,
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = wheels.glob("convkit-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert {
        "convkit/assignment/narrative.toml",
        "convkit/assignment/convkit.toml",
        "convkit/output/templates/report.html",
    } <= names
    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", venv, cwd=tmp_path).returncode == 0
    python = venv / "bin" / "python"
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    own = Path(run(python, "-c", purelib, cwd=tmp_path).stdout.strip())
    # Plain paths, after the venv's own: the .pth files there (an editable convkit's) are not run.
    running = "".join(f"{path}\n" for path in site.getsitepackages())
    (own / "running-interpreter.pth").write_text(running)
    installed = run(python, "-m", "pip", "install", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    code = "import convkit, importlib.metadata as m, torch; print(convkit.__file__, torch.__file__)"
    where = run(python, "-c", f"{code}; print(m.requires('convkit'))", cwd=tmp_path)
    files, requires = where.stdout.splitlines()
    location, torch_file = files.split()
    assert location.startswith(str(venv)), location
    theirs = any(torch_file.startswith(path) for path in site.getsitepackages())
    assert theirs, f"not the running interpreter's torch: {torch_file}"
    assert "'otter-grader[grading]==7.0.0'" in requires
    course = tmp_path / "course"
    course.mkdir()
    build = run(venv / "bin" / "convkit", "build", "--out", "handout", cwd=course)
    assert build.returncode == 0, build.stderr
    assert (course / "handout" / "autograder.zip").is_file() and (
        course / "handout" / "student" / "convolutions.ipynb"
    ).is_file()
    question = course / "handout" / "prairielearn" / "questions" / "convkit" / "convolutions"
    assert (question / "info.json").is_file()
    grade = run(
        venv / "bin" / "convkit", "grade", REFERENCE, "--out", "graded", "--jobs", "1", cwd=course
    )
    assert grade.returncode == 0, grade.stderr
    assert (course / "graded" / "grades.csv").read_text().splitlines()[1].split(",")[4:14] == [
        "6",
        "4",
        "4",
        "3",
        "5",
        "3",
        "3",
        "3",
        "4",
        "35",
    ]
