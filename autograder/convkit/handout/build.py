"""`convkit build`: everything a course hands out or uploads, rendered from
`convkit.exercises.questions`.

DIR/student/          the handout: the assignment notebook (which carries its public checks in its
                      first cell, so it works opened alone), and the same exercises as a .py module
                      with a pytest file.
DIR/autograder.zip    an otter-grader 7 autograder zip built by `otter generate`, whose plugin
                      (`convkit.platforms.otter`) makes convkit's sandboxed engine the judge. Its
                      members are re-packed in a fixed order with fixed times and modes, so two
                      builds are byte-identical.
DIR/prairielearn/     a PrairieLearn question graded by convkit's engine, and its grader image's
                      recipe (`convkit.handout.prairielearn`).
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

from convkit.exercises.sources import ASSIGNMENT_FOLDER as FOLDER
from convkit.handout import render
from convkit.platforms.harness import OTTER_CONFIG, PLUGIN, settings
from convkit.settings.assignment import DEFAULT_IMAGE, AssignmentConfig

PACKAGE = Path(__file__).resolve().parents[1]  # convkit itself
TEMPLATE = PACKAGE.parents[1] / "student_template"
"""The repository's copy of the student files (only in a checkout of convkit:
`--update-template`)."""
PYTEST_INI = "[pytest]\naddopts = -q --tb=short -rN -p no:cacheprovider\n"
PYTHON_VERSION = "3.11"
SOURCE_DIR = "convkit-src"
"""The convkit package shipped in the zip, as files/convkit-src (requirements.txt pip-installs
it)."""
LOCKDOWN_LINE = (
    "python -m convkit.platforms.lockdown /autograder/source /autograder/results"
    "  # convkit: workers reach Python; the seed and hidden checks are root's alone\n"
)
DATA_SUFFIXES = (".toml", ".json", ".txt")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
EXECUTABLE = {"run_autograder", "setup.sh"}
BUBBLEWRAP_LINE = (
    "# convkit: bubblewrap isolates the sandboxed worker (no network, read-only system) where "
    "the image allows it\n"
    "apt-get install -y bubblewrap || echo 'bubblewrap is not available: convkit grades with its "
    "plain sandbox'\n"
)


def student_files() -> dict[str, str]:
    """The student's editor-and-pytest files; `student_template/` in the repository must equal
    these."""
    return {
        f"{render.STUB_MODULE}.py": render.stub_module(),
        f"test_{render.STUB_MODULE}.py": render.public_tests(),
        "pytest.ini": PYTEST_INI,
    }


TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
STUDENT_REQUIREMENTS = f"""\
# torch's CPU build, from torch's own index: nothing here needs a GPU, and torch's default
# build on Linux brings CUDA's libraries, gigabytes of them (on a Mac, torch is CPU-only anyway)
--extra-index-url {TORCH_CPU_INDEX}
torch>=2.4
matplotlib>=3.7
{render.OTTER}
pytest>=8
# the Jupyter kernel that runs the notebook (VS Code, nbconvert), and Jupyter's editor
ipykernel>=6.29
notebook>=7
"""


def handout_files() -> dict[str, str]:
    """Every file of DIR/student/: the notebook, the editor-and-pytest files, what to install and a
    README."""
    from convkit.handout.notebook import NOTEBOOK_NAME, notebook_text

    files = {
        NOTEBOOK_NAME: notebook_text(),
        "requirements.txt": STUDENT_REQUIREMENTS,
        "README.md": student_readme(NOTEBOOK_NAME),
    }
    return files | student_files()


def student_readme(notebook: str) -> str:
    module = render.STUB_MODULE
    return (
        f"""# Convolutions from scratch (D2L 6.2-6.5)

Nine exercises: you write each function in PyTorch; the checks here run the book's examples.

## Install

Python 3.11 or newer, then `pip install -r requirements.txt` (in a virtual environment, best):
torch's CPU build (no GPU is needed), matplotlib, otter-grader, pytest, and Jupyter (`jupyter
notebook` opens the notebook).
On Colab everything but otter-grader is there already; the notebook's first code cell installs """
        f"""it when missing.

## Work in the notebook

Open `{notebook}` (Jupyter, VS Code or Colab; it needs no other file). Run the first code cell """
        """once. For each
question, replace `raise NotImplementedError(...)` in the stub with your code, run the cell, """
        """then run the
`grader.check("<id>")` cell below it: one line per check, and for a failing one the bug it """
        """looks like, the
first wrong position, and the expected and actual values.

To hand in, run the last cell, `grader.export(pdf=False)`: it writes a zip next to the """
        f"""notebook. Upload that
zip (or the notebook) where your course tells you to.

## Or work in an editor

Write your code in `{module}.py` and run `python3 -m pytest` in this folder: the same checks, """
        f"""one block per
failing check. Hand in `{module}.py` if your course accepts it.

The checks here use the book's inputs; the grader uses other, random inputs, so make your code """
        f"""right in
general. Do not rename the functions or change their arguments.

{render.readme_table()}"""
    )


def autograder_tests() -> dict[str, str]:
    """The zip's tests/<id>.py: placeholders worth each question's points that fail unless the
    plugin grades."""
    from convkit.checking.checks import all_points
    from convkit.exercises.questions import QUESTIONS

    points = all_points()
    return {f"{q.id}.py": render.ok_placeholder(q, points[q.id]) for q in QUESTIONS}


def build(
    out: Path,
    seed: int,
    assignment: AssignmentConfig,
    update_template: bool = False,
    image: str = DEFAULT_IMAGE,
) -> None:
    student = out / "student"
    for name, text in handout_files().items():
        path = student / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if update_template:
        if not TEMPLATE.is_dir():
            raise ValueError(
                "--update-template rewrites student_template/ in convkit's repository; this "
                "convkit is installed, not checked out"
            )
        for name, text in student_files().items():
            (TEMPLATE / name).write_text(text)
    (out / "autograder.zip").write_bytes(autograder_zip(seed, assignment))
    from convkit.handout.prairielearn import write  # it renders from this module's pieces

    write(out / "prairielearn", seed, assignment, image)


def autograder_zip(seed: int, assignment: AssignmentConfig) -> bytes:
    """Run `otter generate` in a scratch folder, then re-pack its zip deterministically. The
    course's grading seed and choices go into the plugin's configuration (inside the zip only), so
    Gradescope grades as `convkit grade`."""
    with tempfile.TemporaryDirectory(prefix="convkit-generate-") as scratch:
        work = Path(scratch)
        (work / "tests").mkdir()
        for name, text in autograder_tests().items():
            (work / "tests" / name).write_text(text)
        (work / "otter_config.json").write_text(otter_config(seed, assignment))
        shutil.copy(FOLDER / "requirements.txt", work / "requirements.txt")
        copy_source(work / SOURCE_DIR)
        command = [
            sys.executable, "-m", "otter", "generate",
            "--tests-dir", "tests", "--output-path", "autograder.zip",
            "--config", "otter_config.json", "--requirements", "requirements.txt",
            "--no-environment",
            "--python-version", PYTHON_VERSION, SOURCE_DIR,
        ]  # fmt: skip
        done = subprocess.run(command, cwd=work, capture_output=True, text=True, env=generate_env())
        if done.returncode != 0 or not (work / "autograder.zip").is_file():
            raise ValueError(
                f"otter generate failed: {(done.stderr or done.stdout).strip()[-2000:]}"
            )
        return normalise((work / "autograder.zip").read_bytes())


def otter_config(seed: int, assignment: AssignmentConfig) -> str:
    """The assignment's otter_config.json with the grading seed and the instructor's choices
    added."""
    config = json.loads(OTTER_CONFIG.read_text())
    config["show_hidden"] = assignment.show_hidden
    ours = {PLUGIN: settings(seed, assignment)}
    plugins = config["plugins"]
    config["plugins"] = [ours if isinstance(p, dict) and PLUGIN in p else p for p in plugins]
    return json.dumps(config, indent=2) + "\n"


def generate_env() -> dict[str, str]:
    """otter imports the plugin while generating: make sure this convkit is the one it finds."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE.parent), env.get("PYTHONPATH")]))
    return env


def copy_source(target: Path) -> None:
    """This convkit as pip installs it, from wherever it runs (a checkout or an installed wheel):
    its modules, the assignment's data files, and a pyproject.toml written for them."""
    for source in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.glob("output/templates/*.html")]):
        path = target / "convkit" / source.relative_to(PACKAGE)
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, path)
    for source in sorted(FOLDER.iterdir()):
        if source.is_file() and source.suffix in DATA_SUFFIXES + (".py",):
            path = target / "convkit" / "assignment" / source.name
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, path)
    (target / "pyproject.toml").write_text(shipped_pyproject())


def shipped_pyproject() -> str:
    """The zip's pyproject.toml: this convkit's name, version and runtime requirements (no
    extras)."""
    version, needs = installed_metadata()
    data = json.dumps([f"*{suffix}" for suffix in DATA_SUFFIXES])
    return (
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "convkit"\nversion = "{version}"\nrequires-python = ">=3.11"\n'
        f"dependencies = {json.dumps(needs)}\n\n"
        '[tool.setuptools.packages.find]\nwhere = ["."]\ninclude = ["convkit*"]\n\n'
        '[tool.setuptools.package-data]\n"convkit.output" = ["templates/*.html"]\n'
        f'"convkit.assignment" = {data}\n'
    )


def installed_metadata() -> tuple[str, list[str]]:
    """This convkit's version and runtime requirements (no extras), as installed."""
    from importlib.metadata import PackageNotFoundError, metadata, requires

    try:
        version, needs = metadata("convkit")["Version"], requires("convkit") or []
    except PackageNotFoundError:
        how = "pip install convkit, or pip install -e . in its repository"
        raise ValueError(f"convkit is not installed ({how})") from None
    return version, [need for need in needs if "extra ==" not in need]


def normalise(data: bytes) -> bytes:
    """Sorted members, fixed times, fixed modes, deflated: the same inputs give the same bytes.

    Also adds one line to otter's setup.sh and one to its run_autograder (which `otter generate`
    does not let you customise): install bubblewrap, tolerating images that do not have it; prepare
    the container for sandboxes without namespaces (`convkit.platforms.lockdown`) before otter runs.
    """
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        names = sorted(info.filename for info in source.infolist() if not info.is_dir())
        for name in names:
            content = source.read(name)
            if name == "setup.sh":
                content = add_bubblewrap(content.decode()).encode()
            if name == "run_autograder":
                content = add_convkit_steps(content.decode()).encode()
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = (0o100755 if name in EXECUTABLE else 0o100644) << 16
            target.writestr(info, content, compresslevel=9)
    return out.getvalue()


def add_convkit_steps(run: str) -> str:
    anchor = "python /autograder/source/run_otter.py"
    lines = run.rstrip("\n").split("\n")
    if anchor not in lines:
        raise ValueError("otter's run_autograder changed: cannot find where it runs otter")
    index = lines.index(anchor)
    return "\n".join(lines[:index]) + "\n" + LOCKDOWN_LINE + "\n".join(lines[index:]) + "\n"


def add_bubblewrap(setup: str) -> str:
    anchor = "apt-get install -y wget jq"
    lines = setup.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith(anchor):
            return "".join(lines[: index + 1]) + BUBBLEWRAP_LINE + "".join(lines[index + 1 :])
    raise ValueError("otter's setup.sh changed: cannot find where to install bubblewrap")
