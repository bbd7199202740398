"""`convkit build`: deterministic output, an otter zip wired to convkit, and a student bundle that
leaks nothing."""

from __future__ import annotations

import ast
import io
import json
import re
import zipfile
from pathlib import Path

import nbformat
import pytest

from convkit.checking.checks import all_points, suite
from convkit.exercises.questions import QUESTION_IDS, QUESTIONS
from convkit.handout import render
from convkit.handout.build import LOCKDOWN_LINE, SOURCE_DIR, TORCH_CPU_INDEX, build
from convkit.handout.notebook import NOTEBOOK_NAME
from convkit.handout.prairielearn import QUESTION
from convkit.settings.assignment import DEFAULT_IMAGE
from convkit.settings.assignment import load as load_assignment
from convkit.settings.limits import GradingConfig

pytestmark = pytest.mark.xdist_group("build")  # one module-scoped fixture for all its tests


pytest.importorskip("otter", reason="otter-grader[grading]==7.0.0 is in the dev extra")

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "autograder" / "convkit"
SEED = 8_675_309_123_456_789


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    first, second = tmp_path_factory.mktemp("build1"), tmp_path_factory.mktemp("build2")
    build(first, SEED, load_assignment())
    build(second, SEED, load_assignment())
    return first, second


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_two_builds_are_byte_identical(builds: tuple[Path, Path]) -> None:
    first, second = (tree(b) for b in builds)
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_layout(builds: tuple[Path, Path]) -> None:
    files = set(tree(builds[0]))
    expected = {
        "autograder.zip",
        f"student/{NOTEBOOK_NAME}",
        "student/convolutions.py",
        "student/test_convolutions.py",
        "student/pytest.ini",
        "student/README.md",
        "student/requirements.txt",
    }
    question = f"prairielearn/{QUESTION}"
    source = f"{question}/tests/{SOURCE_DIR}/"
    assert {name for name in files if not name.startswith(source)} == expected | {
        f"{question}/info.json",
        f"{question}/question.html",
        f"{question}/initial_code.py",
        f"{question}/tests/run.sh",
        f"{question}/tests/convkit.json",
        "prairielearn/image/Dockerfile",
        "prairielearn/image/requirements.txt",
    }
    shipped = (
        "pyproject.toml",
        "convkit/platforms/prairielearn.py",
        "convkit/exercises/hidden/test_corr2d.py",
    )
    assert {source + name for name in shipped} <= files


def test_zip_is_otter_generated_normalised_and_wired_to_convkit(builds: tuple[Path, Path]) -> None:
    with zipfile.ZipFile(builds[0] / "autograder.zip") as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        assert names == sorted(names)
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {
            "run_autograder",
            "run_otter.py",
            "setup.sh",
            "environment.yml",
            "otter_config.json",
        } <= set(names)
        assert sorted(n for n in names if n.startswith("tests/")) == sorted(
            f"tests/{q}.py" for q in QUESTION_IDS
        )
        points = all_points()
        for question in QUESTION_IDS:
            namespace: dict = {}
            exec(archive.read(f"tests/{question}.py").decode(), namespace)
            assert (
                namespace["test"]["name"] == question
                and namespace["test"]["points"] == points[question]
            )
        config = json.loads(archive.read("otter_config.json"))
        assignment = load_assignment()
        assert config["plugins"] == [
            {
                "convkit.platforms.otter.ConvkitPlugin": {
                    "backend": "auto",
                    "seed": SEED,
                    "assignment": assignment.to_dict(),
                }
            }
        ]
        assert config["show_hidden"] is assignment.show_hidden
        environment = archive.read("environment.yml").decode()
        assert (
            "python=3.11" in environment and "otter-grader[grading,plugins]==7.0.0" in environment
        )
        assert (
            "torch==2.13.0+cpu" in environment
            and "--extra-index-url https://download.pytorch.org/whl/cpu" in environment
        )
        assert "/autograder/source/files/convkit-src" in environment
        assert "apt-get install -y bubblewrap" in archive.read("setup.sh").decode()
        run = archive.read("run_autograder").decode().splitlines()
        # otter writes results.json as Markdown itself (the plugin): nothing runs after it
        assert run[-2:] == [LOCKDOWN_LINE.rstrip("\n"), "python /autograder/source/run_otter.py"]
        shipped = {
            n.removeprefix("files/convkit-src/")
            for n in names
            if n.startswith("files/convkit-src/")
        }
        expected = {
            "pyproject.toml",
            "convkit/platforms/otter.py",
            "convkit/exercises/hidden/test_corr2d.py",
            "convkit/output/templates/report.html",
        }
        assert (
            expected | {"convkit/assignment/convkit.toml", "convkit/assignment/narrative.toml"}
            <= shipped
        )
        assert 'include = ["convkit*"]' in archive.read("files/convkit-src/pyproject.toml").decode()
        assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_notebook_structure(builds: tuple[Path, Path]) -> None:
    book = nbformat.read(builds[0] / "student" / NOTEBOOK_NAME, as_version=4)
    nbformat.validate(book)
    assert book.metadata.kernelspec.name == "python3"
    ids = [c.id for c in book.cells]
    assert len(ids) == len(set(ids))
    code = [c for c in book.cells if c.cell_type == "code"]
    assert (
        code[0].source.endswith(f'grader = Grader("{NOTEBOOK_NAME}", tests_dir=".")')
        and "import otter" in code[0].source
    )
    assert code[0].metadata == {"cellView": "form", "jupyter": {"source_hidden": True}}
    assert code[-1].source == "grader.export(pdf=False)"
    for question in QUESTIONS:
        stub = ids.index(f"{question.id}-stub")
        assert book.cells[stub].source == render.stub(question).strip("\n")
        assert book.cells[stub + 1].source == f'grader.check("{question.id}")'
        assert question.prompt in book.cells[stub - 1].source
    assert ids.index("edge-detection-plot") == ids.index("corr2d-check") + 2
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)


def test_the_notebook_carries_exactly_the_public_checks(builds: tuple[Path, Path]) -> None:
    """The first cell holds the same public checks as test_convolutions.py, with every example of
    questions.py."""
    book = nbformat.read(builds[0] / "student" / NOTEBOOK_NAME, as_version=4)
    init = book.cells[1]
    assert init.id == "otter-init" and render.public_checks() in init.source
    assert render.public_checks() in (builds[0] / "student" / "test_convolutions.py").read_text()
    namespace: dict = {}
    exec(render.public_checks(), namespace)  # noqa: S102 - our own rendered text
    assert {q: list(checks) for q, checks in namespace["CHECKS"].items()} == {
        q.id: [p.name for p in q.public] for q in QUESTIONS
    }


def distinctive_lines(path: Path, public: str) -> set[str]:
    """Lines of a file long enough to identify it, minus what the public material already says."""
    lines = set()
    for line in path.read_text().splitlines():
        line = line.strip()
        if (
            len(line) >= 24
            and not line.startswith(("#", '"""', "from ", "import "))
            and line not in public
        ):
            lines.add(line)
    return lines


def leaks(files: dict[str, str]) -> list[str]:
    """What of the course's secrets `files` (what students may see) hold: the seed, names and
    distinctive lines of the hidden suites, the oracle, the comparisons, the bug signatures and the
    reference."""
    everything = "\n".join(files.values())
    found = ["the course's grading seed"] if str(SEED) in everything else []
    public = (
        (PACKAGE / "exercises" / "questions.py").read_text()
        + (PACKAGE / "handout" / "render.py").read_text()
        + render.stub_module()
        + render.public_checks()
    )

    # hidden suites: module names, check functions and their helpers, any distinctive line
    secrets = {
        "convkit.exercises.hidden",
        "convkit.judge",
        "convkit.worker",
        "oracle",
        "CheckFailed",
        "hypothesis",
        "expect_call",
        "WRONG_RUNS",
    }
    for path in sorted((PACKAGE / "exercises" / "hidden").glob("test_*.py")):
        secrets.add(path.stem)
        module = ast.parse(path.read_text())
        # helpers with an identifier-like name (plain words such as `windows` also occur in prose)
        secrets |= {
            n.name
            for n in module.body
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and "_" in n.name
        }
    for question in QUESTION_IDS:
        secrets |= {c.function.__name__ for c in suite(question)}
    for name in sorted(secrets):
        if re.search(rf"\b{re.escape(name)}\b", everything):
            found.append(f"{name!r} (hidden suites)")
    for path in [
        *sorted((PACKAGE / "exercises" / "hidden").glob("*.py")),
        PACKAGE / "exercises" / "oracle.py",
        PACKAGE / "checking" / "compare.py",
        PACKAGE / "checking" / "bugs.py",
        REPO / "solutions" / "convolutions.py",
    ]:
        lines = distinctive_lines(path, public)
        found += [f"{path.name}: {line}" for line in lines if line in everything]
    return found


def test_nothing_leaks_into_the_student_bundle(builds: tuple[Path, Path]) -> None:
    student = builds[0] / "student"
    files = [path for path in sorted(student.rglob("*")) if path.is_file()]
    assert leaks({str(path.relative_to(student)): path.read_text() for path in files}) == []


def test_no_solution_in_any_stub(builds: tuple[Path, Path]) -> None:
    """Every function the handout defines raises NotImplementedError and does nothing else."""
    book = nbformat.read(builds[0] / "student" / NOTEBOOK_NAME, as_version=4)
    for question in QUESTIONS:
        [cell] = [c for c in book.cells if c.id == f"{question.id}-stub"]
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.FunctionDef):
                body = [
                    n
                    for n in node.body
                    if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
                ]
                calls = [n for n in body if not isinstance(n, ast.Raise)]
                assert all(
                    isinstance(n, ast.Expr) and "super()" in ast.unparse(n) for n in calls
                ), ast.unparse(node)


def test_normalise_is_stable_under_member_order_and_times() -> None:
    from convkit.handout.build import normalise

    def zipped(order: list[str], when: tuple) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name in order:
                archive.writestr(zipfile.ZipInfo(name, date_time=when), f"content of {name}")
        return out.getvalue()

    a = zipped(["b.txt", "a.txt"], (2020, 5, 5, 1, 2, 3))
    b = zipped(["a.txt", "b.txt"], (2024, 1, 1, 0, 0, 0))
    assert normalise(a) == normalise(b)


def test_the_student_readme_says_what_to_install_and_how_to_check_and_export(
    builds: tuple[Path, Path],
) -> None:
    readme = (builds[0] / "student" / "README.md").read_text()
    assert (
        "pip install -r requirements.txt" in readme
        and 'grader.check("<id>")' in readme
        and "grader.export(pdf=False)" in readme
    )
    assert "python3 -m pytest" in readme and render.readme_table() in readme


def test_the_students_install_takes_torchs_cpu_build_a_kernel_and_the_notebooks_otter(
    builds: tuple[Path, Path],
) -> None:
    """requirements.txt: torch's CPU index, a Jupyter kernel, and the otter-grader the notebook's
    first cell installs, which is the grader's own release."""
    requirements = (builds[0] / "student" / "requirements.txt").read_text().splitlines()
    assert f"--extra-index-url {TORCH_CPU_INDEX}" in requirements
    assert "ipykernel>=6.29" in requirements
    [otter] = [line for line in requirements if line.startswith("otter-grader")]
    first_cell = nbformat.read(builds[0] / "student" / NOTEBOOK_NAME, as_version=4).cells[1].source
    assert f'[sys.executable, "-m", "pip", "install", "-q", "{otter}"]' in first_cell
    assert f"otter-grader[grading]=={otter.split('==')[1]}" in (REPO / "pyproject.toml").read_text()


def test_the_instructors_install_and_setup_take_torchs_cpu_build() -> None:
    readme = (REPO / "README.md").read_text().splitlines()
    [install] = [line for line in readme if line.startswith("pip install ") and "convkit" in line]
    assert f"--extra-index-url {TORCH_CPU_INDEX} torch==2.13.0" in install
    assert f"index=(--extra-index-url {TORCH_CPU_INDEX})" in (REPO / "setup.sh").read_text()


def test_the_prairielearn_question_is_rendered_from_the_sources(builds: tuple[Path, Path]) -> None:
    """info.json as PrairieLearn's schema has it (apps/prairielearn/src/schemas/infoQuestion.ts);
    the page holds the notebook's narrative and every prompt, an editor that starts from the stubs,
    and the results panel."""
    question = builds[0] / "prairielearn" / QUESTION
    info = json.loads((question / "info.json").read_text())
    assert {"uuid", "type", "title", "topic"} <= set(info) and info["type"] == "v3"
    assert re.fullmatch(r"[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}", info["uuid"])
    options = info["externalGradingOptions"]
    assert info["gradingMethod"] == "External" and info["singleVariant"] is True
    assert set(options) == {"image", "entrypoint", "timeout"} and options["image"] == DEFAULT_IMAGE
    assert GradingConfig().submission_timeout < options["timeout"] <= 600
    assert options["entrypoint"] == "/grade/tests/run.sh"
    assert (question / "tests" / "run.sh").stat().st_mode & 0o111
    settings = json.loads((question / "tests" / "convkit.json").read_text())
    assert settings["seed"] == SEED  # server-only: PrairieLearn copies tests/ to the grader alone
    page = (question / "question.html").read_text()
    book = nbformat.read(builds[0] / "student" / NOTEBOOK_NAME, as_version=4)
    narrative = [cell.source for cell in book.cells if cell.id.startswith("section-")]
    assert narrative and all(text in page for text in narrative)
    for each in QUESTIONS:
        assert each.prompt in page and f"Write `{each.signature}` in `convolutions.py`" in page
    editor = 'file-name="convolutions.py" ace-mode="ace/mode/python"'
    assert f'<pl-file-editor {editor} source-file-name="initial_code.py"' in page
    assert page.index("<pl-external-grader-results>") > page.index("<pl-submission-panel>")
    initial = (question / "initial_code.py").read_text()
    assert all(render.stub(each) in initial for each in QUESTIONS)
    assert "Save & Grade" in initial and "pytest" not in initial
    image = builds[0] / "prairielearn" / "image"
    dockerfile = (image / "Dockerfile").read_text()
    assert "FROM prairielearn/grader-python\n" in dockerfile and "uv pip install" in dockerfile
    requirements = (image / "requirements.txt").read_text()
    assert "torch==2.13.0+cpu" in requirements and "convkit" not in requirements


def test_nothing_leaks_into_what_prairielearn_shows(builds: tuple[Path, Path]) -> None:
    """What a student can see: the question's page and its editor's file (HTML comments reach
    students too), any client files, and the grader image, which PrairieLearn pulls from Docker Hub,
    public. Only the question's tests/ folder, which goes to the grader alone, holds the seed and
    convkit."""
    out = builds[0] / "prairielearn"
    question = out / QUESTION
    assert not list(out.rglob("clientFiles*"))
    shown = [question / name for name in ("question.html", "initial_code.py", "info.json")]
    shown += sorted((out / "image").iterdir())
    assert leaks({str(path): path.read_text() for path in shown}) == []
    assert "<!--" not in (question / "question.html").read_text()
