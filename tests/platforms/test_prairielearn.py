"""PrairieLearn's harness, emulated: the job folder its grader host builds and binds at /grade, the
question's entrypoint run as the image runs it (root, Docker's default confinement:
`tests/dockerlike.py`), and the results.json it must find, checked against PrairieLearn's documented
format. The same submission scores the same per question there, on Gradescope's harness and in
`convkit grade`, all from one `convkit build`."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from convkit.checking.checks import all_points
from convkit.exercises.questions import QUESTION_IDS
from convkit.handout.build import build
from convkit.handout.prairielearn import QUESTION
from convkit.settings.assignment import load as load_assignment
from convkit.worker import landlock
from tests.conftest import REFERENCE, REPO, STUBS, convkit, docker_like, expand
from tests.sandbox.test_container import ONE_BUG, SEED, run_gradescope

pytestmark = [
    pytest.mark.skipif(
        os.geteuid() != 0, reason="PrairieLearn's grader runs as root; this emulates it as root"
    ),
    pytest.mark.skipif(
        landlock.available() is not None, reason=f"no Landlock here: {landlock.available()}"
    ),
]
POINTS = all_points()
ATTACKS = REPO / "tests" / "corpora" / "attacks"
EXPECTED: dict[str, dict[str, Any]] = json.loads((ATTACKS / "expected.json").read_text())

TEXT = {"type": "string"}
IMAGES = {
    "type": "array",
    "items": {"anyOf": [TEXT, {"type": "object", "properties": {"url": TEXT, "label": TEXT}}]},
}
RESULTS_SCHEMA = {
    # PrairieLearn's results.json as its docs/externalGrading.md ("Grading results") documents it,
    # in PrairieLearn/PrairieLearn at 88fb8556a7a1 (2026-08-21): `score` in [0, 1] unless `gradable`
    # is false, `format_errors` a string or strings, `points` and `max_points` on every test (else
    # no test shows its points). Other keys are allowed there; convkit writes none (the results
    # panel shows none).
    "type": "object",
    "properties": {
        "gradable": {"type": "boolean"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "message": TEXT,
        "output": TEXT,
        "format_errors": {"anyOf": [TEXT, {"type": "array", "items": TEXT}]},
        "images": IMAGES,
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": TEXT,
                    "description": TEXT,
                    "points": {"type": "number"},
                    "max_points": {"type": "number"},
                    "message": TEXT,
                    "output": TEXT,
                    "images": IMAGES,
                },  # fmt: skip
                "required": ["name", "points", "max_points"],
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
    "if": {"properties": {"gradable": {"const": False}}, "required": ["gradable"]},
    "then": {
        "required": ["format_errors"],
        "not": {"required": ["score"]},
    },  # convkit's own: never a zero
    "else": {"required": ["score"]},
}
RESULTS_LIMIT = 1 << 20
"""PrairieLearn's apps/grader-host/src/index.ts refuses larger results ("... larger than 1MB")."""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `convkit build`: its PrairieLearn question and its Gradescope zip grade every test."""
    out = tmp_path_factory.mktemp("prairielearn") / "build"
    build(out, SEED, load_assignment())
    return out


def job(built: Path, folder: Path, code: bytes) -> Path:
    """A job folder as PrairieLearn's externalGraderCommon.ts buildDirectory() makes it: the
    question's tests/, the student's file, data/data.json; no results/; closed to others, as the
    grader host's tmp folder is."""
    grade = folder / "grade"
    shutil.copytree(built / "prairielearn" / QUESTION / "tests", grade / "tests")
    (grade / "student").mkdir()
    (grade / "student" / "convolutions.py").write_bytes(code)
    (grade / "data").mkdir()
    empty = ("params", "correct_answers", "submitted_answers", "format_errors", "partial_scores")
    data = {**dict.fromkeys(empty, {}), "score": 0, "feedback": {}, "variant_seed": 1}
    data |= {"options": {}, "raw_submitted_answers": {}, "gradable": True}
    (grade / "data" / "data.json").write_text(json.dumps(data))
    grade.chmod(0o700)
    return grade


def run_job(built: Path, grade: Path, locked: bool = True) -> dict[str, Any]:
    """The question's entrypoint (info.json), made executable as the grader host does, run in the
    image's place as root under Docker's confinement with `grade` at /grade, within the question's
    timeout. It must exit 0 with results.json in PrairieLearn's format, under 1 MB, holding nothing
    of the course's seed, which was made root's alone (unless convkit could not start at all)."""
    info = json.loads((built / "prairielearn" / QUESTION / "info.json").read_text())
    options = info["externalGradingOptions"]
    entrypoint = shlex.split(options["entrypoint"])
    (grade / Path(entrypoint[0]).relative_to("/grade")).chmod(0o755)
    # the image's python3
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    done = subprocess.run(
        docker_like(*entrypoint, binds={"/grade": grade}),
        capture_output=True,
        text=True,
        timeout=options["timeout"],
        env=env,
        cwd="/",
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    raw = (grade / "results" / "results.json").read_bytes()
    assert len(raw) < RESULTS_LIMIT
    results = json.loads(raw)
    jsonschema.validate(results, RESULTS_SCHEMA)
    assert str(SEED) not in raw.decode(), "the course's seed reached what students read"
    assert not locked or not os.stat(grade / "tests" / "convkit.json").st_mode & 0o077, (
        "the seed is not root's alone"
    )
    return results


def graded(built: Path, folder: Path, code: bytes) -> dict[str, Any]:
    return run_job(built, job(built, folder, code))


def points(results: dict[str, Any]) -> dict[str, float]:
    return {test["name"]: test["points"] for test in results["tests"]}


def test_the_reference_scores_1(built: Path, tmp_path: Path) -> None:
    results = graded(built, tmp_path, REFERENCE.read_bytes())
    assert results["gradable"] is True and results["score"] == 1.0
    assert (
        points(results) == POINTS
        and {t["name"]: t["max_points"] for t in results["tests"]} == POINTS
    )
    assert results["message"].startswith(
        "Graded by convkit (landlock sandbox, isolation landlock)."
    )
    assert all(test["message"].endswith("Every check passed.") for test in results["tests"])


def test_the_stubs_score_0(built: Path, tmp_path: Path) -> None:
    results = graded(built, tmp_path, STUBS.read_bytes())
    assert (
        results["gradable"] is True
        and results["score"] == 0
        and set(points(results).values()) == {0}
    )
    assert "not implemented yet (it raises NotImplementedError)" in results["tests"][0]["output"]


@pytest.mark.parametrize(
    ("code", "why"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01binary", "this is a binary file, not Python source or a notebook"),
    ],
)
def test_a_file_that_is_not_python_scores_0_and_says_why(
    built: Path, tmp_path: Path, code: bytes, why: str
) -> None:
    """The student's fault, graded as `convkit grade` grades it: 0, and the reason first."""
    results = graded(built, tmp_path, code)
    assert results["gradable"] is True and results["score"] == 0
    assert results["message"].startswith(f"This submission could not be read: {why}")


@pytest.mark.parametrize("attack", ["fake_results_files.py", "glob_for_reference.py"])
def test_an_attack_scores_what_it_scores_everywhere(
    built: Path, tmp_path: Path, attack: str
) -> None:
    """A fake results.json written into /grade is never what PrairieLearn reads; the seed and the
    hidden checks under /grade/tests stay out of a worker's reach."""
    code = expand(ATTACKS / attack, tmp_path).read_bytes()
    results = graded(built, tmp_path, code)
    expected = EXPECTED[attack]
    assert {name for name, got in points(results).items() if got == 0} == set(expected["zero"])
    assert {name for name, got in points(results).items() if got == POINTS[name]} == set(
        expected["full"]
    )
    assert (
        not (tmp_path / "grade" / "results.json").exists()
        and not (tmp_path / "grade" / "tests" / "results.json").exists()
    )


def test_a_grader_fault_is_not_gradable_never_a_zero(built: Path, tmp_path: Path) -> None:
    """A course whose least isolation this container cannot give: nothing is graded, and the
    results say why."""
    grade = job(built, tmp_path, REFERENCE.read_bytes())
    settings = json.loads((grade / "tests" / "convkit.json").read_text())
    settings["assignment"]["min_isolation"] = "bwrap"
    (grade / "tests" / "convkit.json").write_text(json.dumps(settings))
    results = run_job(built, grade)
    assert results["gradable"] is False and "score" not in results and "tests" not in results
    assert "bwrap" in results["message"] and "the grader's fault" in results["message"]


def test_a_grader_that_cannot_start_still_writes_why_and_exits_0(
    built: Path, tmp_path: Path
) -> None:
    """convkit not importable (a broken image, say): run.sh's last resort writes the results."""
    grade = job(built, tmp_path, REFERENCE.read_bytes())
    (grade / "tests" / "convkit-src" / "convkit" / "__init__.py").write_text(
        "raise ImportError('a broken image')\n"
    )
    results = run_job(built, grade, locked=False)
    assert results["gradable"] is False and "convkit's grader did not start" in results["message"]


@pytest.mark.slow
def test_one_submission_scores_the_same_on_every_platform(built: Path, tmp_path: Path) -> None:
    """One bug (max and avg swapped in pool2d): the same points per question and the same named
    bug on PrairieLearn's harness, on Gradescope's and in `convkit grade`, with the course's seed,
    from one build."""
    code = expand(ONE_BUG, tmp_path).read_bytes()
    prairie = graded(built, tmp_path / "prairielearn", code)
    (tmp_path / "autograder" / "submission").mkdir(parents=True)
    (tmp_path / "autograder" / "submission" / "convolutions.py").write_bytes(code)
    gradescope = run_gradescope(built / "autograder.zip", tmp_path / "autograder")
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "convolutions.py").write_bytes(code)
    done = convkit(
        "grade",
        tmp_path / "local" / "convolutions.py",
        "--out",
        tmp_path / "out",
        "--seed",
        SEED,
        "--jobs",
        "1",
    )
    assert done.returncode == 0, done.stderr
    local = json.loads((tmp_path / "out" / "convolutions.py" / "results.json").read_text())
    per_question = points(prairie)
    assert (
        per_question
        == {t["name"]: t["score"] for t in gradescope["tests"]}
        == {t["name"]: t["score"] for t in local["tests"]}
    )
    assert 0 < per_question["pool2d"] < POINTS["pool2d"] and all(
        per_question[q] == POINTS[q] for q in QUESTION_IDS[:-1]
    )
    assert prairie["score"] == sum(per_question.values()) / sum(POINTS.values())
    [pool2d] = [test for test in prairie["tests"] if test["name"] == "pool2d"]
    bug = pool2d["message"].split("checks failed: ", 1)[1].rstrip(".")
    assert bug in gradescope["tests"][-1]["output"] and bug in local["tests"][-1]["output"]
    assert "**" not in pool2d["message"] + pool2d["output"] and "```" not in pool2d["output"]
