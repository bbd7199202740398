"""`convkit build`: everything a course hands out or uploads, rendered from `convkit.questions`.

DIR/student/          the handout: the assignment notebook (which carries its public checks in its first cell,
                      so it works opened alone), and the same exercises as a .py module with a pytest file.
DIR/autograder.zip    an otter-grader 7 autograder zip built by `otter generate`, whose plugin
                      (`convkit.otter_plugin`) makes convkit's sandboxed engine the judge. Its members are
                      re-packed in a fixed order with fixed times and modes, so two builds are byte-identical.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from . import render
from .assignment_config import AssignmentConfig

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "student_template"
ASSIGNMENTS = ROOT / "assignments"
PYTEST_INI = "[pytest]\naddopts = -q --tb=short -rN -p no:cacheprovider\n"
PYTHON_VERSION = "3.11"
PLUGIN = "convkit.otter_plugin.ConvkitPlugin"
SOURCE_DIR = "convkit-src"
"""The convkit package shipped in the zip, as files/convkit-src (requirements.txt pip-installs it)."""
MARKDOWN_LINE = "python -m convkit.reports /autograder/results/results.json  # convkit: Gradescope renders feedback as Markdown\n"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
EXECUTABLE = {"run_autograder", "setup.sh"}
BUBBLEWRAP_LINE = (
    "# convkit: bubblewrap isolates the sandboxed worker (no network, read-only system) where the image allows it\n"
    "apt-get install -y bubblewrap || echo 'bubblewrap is not available: convkit grades with its plain sandbox'\n"
)


def student_files() -> dict[str, str]:
    """The student's editor-and-pytest files; `student_template/` in the repository must equal these."""
    return {
        f"{render.STUB_MODULE}.py": render.stub_module(),
        f"test_{render.STUB_MODULE}.py": render.public_tests(),
        "pytest.ini": PYTEST_INI,
    }


def handout_files() -> dict[str, str]:
    """Every file of DIR/student/: the notebook, plus the editor-and-pytest files."""
    from .notebook import NOTEBOOK_NAME, notebook_text

    return {NOTEBOOK_NAME: notebook_text()} | student_files()


def autograder_tests() -> dict[str, str]:
    """The zip's tests/<id>.py: placeholders worth each question's points that fail unless the plugin grades."""
    from .judge.checks import all_points
    from .questions import QUESTIONS

    points = all_points()
    return {f"{q.id}.py": render.ok_placeholder(q, points[q.id]) for q in QUESTIONS}


def build(out: Path, seed: int, assignment: AssignmentConfig, update_template: bool = False) -> None:
    student = out / "student"
    for name, text in handout_files().items():
        path = student / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if update_template:
        for name, text in student_files().items():
            (TEMPLATE / name).write_text(text)
    (out / "autograder.zip").write_bytes(autograder_zip(seed, assignment))


def autograder_zip(seed: int, assignment: AssignmentConfig) -> bytes:
    """Run `otter generate` in a scratch folder, then re-pack its zip deterministically. The course's grading
    seed and choices go into the plugin's configuration (inside the zip only), so Gradescope grades as
    `convkit grade`."""
    with tempfile.TemporaryDirectory(prefix="convkit-generate-") as scratch:
        work = Path(scratch)
        (work / "tests").mkdir()
        for name, text in autograder_tests().items():
            (work / "tests" / name).write_text(text)
        (work / "otter_config.json").write_text(otter_config(seed, assignment))
        shutil.copy(ASSIGNMENTS / "requirements.txt", work / "requirements.txt")
        copy_source(work / SOURCE_DIR)
        command = [
            sys.executable, "-m", "otter", "generate",
            "--tests-dir", "tests", "--output-path", "autograder.zip",
            "--config", "otter_config.json", "--requirements", "requirements.txt", "--no-environment",
            "--python-version", PYTHON_VERSION, SOURCE_DIR,
        ]  # fmt: skip
        done = subprocess.run(command, cwd=work, capture_output=True, text=True, env=generate_env())
        if done.returncode != 0 or not (work / "autograder.zip").is_file():
            raise ValueError(f"otter generate failed: {(done.stderr or done.stdout).strip()[-2000:]}")
        return normalise((work / "autograder.zip").read_bytes())


def otter_config(seed: int, assignment: AssignmentConfig) -> str:
    """The assignment's otter_config.json with the grading seed and the instructor's choices added."""
    config = json.loads((ASSIGNMENTS / "otter_config.json").read_text())
    config["show_hidden"] = assignment.show_hidden
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and PLUGIN in plugin:
            plugin[PLUGIN]["seed"] = seed
            plugin[PLUGIN]["assignment"] = assignment.to_dict()
            return json.dumps(config, indent=2) + "\n"
    raise ValueError(f"{ASSIGNMENTS / 'otter_config.json'} does not list the plugin {PLUGIN}")


def generate_env() -> dict[str, str]:
    """otter imports the plugin while generating: make sure this convkit is the one it finds."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "autograder"), env.get("PYTHONPATH")]))
    return env


def copy_source(target: Path) -> None:
    """The convkit package as pip installs it: pyproject.toml, README.md and the modules of autograder/convkit."""
    target.mkdir()
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    readme = ROOT / "README.md"
    (target / "README.md").write_text(readme.read_text() if readme.is_file() else "# convkit\n")
    for source in sorted((ROOT / "autograder" / "convkit").rglob("*.py")):
        path = target / source.relative_to(ROOT)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, path)


def normalise(data: bytes) -> bytes:
    """Sorted members, fixed times, fixed modes, deflated: the same inputs give the same bytes.

    Also adds one line to otter's setup.sh and one to its run_autograder (which `otter generate` does not
    let you customise): install bubblewrap, tolerating images that do not have it; mark results.json as
    Markdown once otter has written it.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        names = sorted(info.filename for info in source.infolist() if not info.is_dir())
        for name in names:
            content = source.read(name)
            if name == "setup.sh":
                content = add_bubblewrap(content.decode()).encode()
            if name == "run_autograder":
                content = add_markdown(content.decode()).encode()
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = (0o100755 if name in EXECUTABLE else 0o100644) << 16
            target.writestr(info, content, compresslevel=9)
    return out.getvalue()


def add_markdown(run: str) -> str:
    anchor = "python /autograder/source/run_otter.py"
    if anchor not in run.splitlines():
        raise ValueError("otter's run_autograder changed: cannot find where it runs otter")
    return run.rstrip("\n") + "\n" + MARKDOWN_LINE


def add_bubblewrap(setup: str) -> str:
    anchor = "apt-get install -y wget jq"
    lines = setup.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith(anchor):
            return "".join(lines[: index + 1]) + BUBBLEWRAP_LINE + "".join(lines[index + 1 :])
    raise ValueError("otter's setup.sh changed: cannot find where to install bubblewrap")
