"""`convkit grade` end to end: the files it writes, and one-line errors for misuse."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from convkit.exercises.questions import QUESTION_IDS
from convkit.settings.limits import GradingConfig
from tests.conftest import REFERENCE, STUBS, convkit

SHARED = pytest.mark.xdist_group("cli")
"""On the tests that read the module's one graded run: one worker grades it once."""


HEADER = (
    "submission,student,sid,email,corr2d,conv2d_layer,learn_kernel,output_shape,pad_stride,"
    "multi_in,multi_in_out,conv1x1,pool2d,total,status,seed"
)


@pytest.fixture(scope="module")
def graded(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    folder = tmp_path_factory.mktemp("subs", numbered=False)
    shutil.copy(REFERENCE, folder / "alice.py")
    shutil.copy(STUBS, folder / "bob.py")
    (folder / "carol.ipynb").write_text('{"cells": [')
    (folder / "dave.py").write_text(
        REFERENCE.read_text().replace(
            "def pool2d(X, pool_size, mode='max'):", "def pool2d(X, pool_size, mode='max')"
        )
    )
    other = tmp_path_factory.mktemp("elsewhere", numbered=False) / "alice.py"
    shutil.copy(REFERENCE, other)
    out = tmp_path_factory.mktemp("out")
    return out, convkit("grade", folder, other, "--out", out, "--jobs", "2", "--seed", "fresh")


@SHARED
def test_grades_csv_has_one_row_per_submission_named_by_file(
    graded: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    out, done = graded
    assert done.returncode == 0, done.stderr
    lines = (out / "grades.csv").read_text().splitlines()
    assert lines[0] == HEADER
    rows = list(csv.DictReader(lines))
    assert [row["submission"] for row in rows] == [
        "subs/alice.py",
        "bob.py",
        "carol.ipynb",
        "dave.py",
        "elsewhere/alice.py",
    ]
    assert {row["student"] + row["sid"] + row["email"] for row in rows} == {""}
    assert [row["total"] for row in rows] == ["35", "0", "0", "31", "35"]
    assert {row["status"] for row in rows} == {"graded"}


@SHARED
def test_results_json_is_gradescope_shaped_with_feedback(
    graded: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    out, _ = graded
    alice = json.loads((out / "subs__alice.py" / "results.json").read_text())
    assert alice["score"] == 35 and [t["name"] for t in alice["tests"]] == list(QUESTION_IDS)
    assert all(t["score"] == t["max_score"] for t in alice["tests"])
    assert (out / "elsewhere__alice.py" / "results.json").is_file()
    carol = json.loads((out / "carol.ipynb" / "results.json").read_text())
    assert carol["score"] == 0 and "not a valid notebook" in carol["output"]
    bob = json.loads((out / "bob.py" / "results.json").read_text())
    assert "not implemented yet" in bob["tests"][0]["output"]
    dave = json.loads((out / "dave.py" / "results.json").read_text())
    line = next(
        i
        for i, text in enumerate(REFERENCE.read_text().splitlines(), 1)
        if text.startswith("def pool2d(")
    )
    said = f"line {line}: SyntaxError: expected ':'; the functions above that line were graded"
    assert all(test["output"].splitlines()[0] == said for test in dave["tests"])
    assert f"not graded: line {line} has a syntax error" in dave["tests"][-1]["output"]
    assert "cell" not in json.dumps(dave)


@SHARED
def test_report_and_histogram(graded: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, done = graded
    report = (out / "report.md").read_text()
    assert (
        "| `corr2d` | 3/5 (60%)" in report
        and "`corr2d` untouched in 1" in report
        and "carol.ipynb" in report
    )
    assert "| `bob.py` |  |  | 0/35 | graded | `bob.py/feedback.md` |" in report
    fully = report.split("## Submissions that could not be fully graded")[1]
    assert "`dave.py`: line " in fully and "`carol.ipynb`: not a valid notebook" in fully
    assert (out / "histogram.png").read_bytes().startswith(b"\x89PNG")
    progress = done.stderr.splitlines()
    assert (
        "\r" not in done.stderr
        and progress[-1].startswith("grading: 100%|")
        and "5/5" in progress[-1]
    ), done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["grade", "nowhere.py", "--out", "x"], "nowhere.py: no such file or folder"),
        (["grade", str(REFERENCE), "--out", "x", "--jobs", "0"], "jobs must be an integer >= 1"),
        (["grade", str(REFERENCE), "--out", str(REFERENCE)], "is a file, not a folder"),
        (
            ["grade", str(REFERENCE), "--out", str(STUBS.parent)],
            "exists and is not empty; choose another folder, or pass --force",
        ),
        (
            ["grade", str(REFERENCE), "--out", str(REFERENCE.parent), "--force"],
            f"would replace the submissions ({REFERENCE})",
        ),
        (
            ["grade", str(REFERENCE), "--out", ".", "--force"],
            "--out . would replace the course folder (.)",
        ),
        (["build", "--out", ".", "--force"], "--out . would replace the course folder (.)"),
        (
            ["grade", str(REFERENCE), "--out", str(REFERENCE / "graded")],
            f"cannot be made: {REFERENCE} is a file",
        ),
        (
            ["grade", str(REFERENCE), "--out", "x", "--jobs", "abc"],
            "argument --jobs: invalid int value: 'abc'",
        ),
        (["grade", str(REFERENCE)], "the following arguments are required: --out"),
        (
            ["build", "--out", str(REFERENCE.parent)],
            "exists and is not empty; choose another folder, or pass --force",
        ),
        (["build", "--out", str(REFERENCE)], "is a file, not a folder"),
        (
            ["grade", str(REFERENCE), "--out", "x", "--backend", "docker"],
            "unknown backend 'docker'",
        ),
        (
            ["grade", str(REFERENCE), "--out", "x", "--seed", "banana"],
            "'banana' is not a seed: use a non-negative integer or 'fresh'",
        ),
    ],
)
def test_misuse_exits_2_with_one_line(args: list[str], message: str) -> None:
    done = convkit(*args)
    assert (
        done.returncode == 2
        and message in done.stderr
        and len(done.stderr.strip().splitlines()) == 1
    )


def test_doctor_starts_each_backend_and_states_its_isolation() -> None:
    done = convkit("doctor")
    assert done.returncode == 0, done.stdout
    lines = done.stdout.splitlines()
    assert "plain: starts, isolation namespace+uid" in done.stdout
    if shutil.which("bwrap"):
        assert "bwrap: starts, isolation bwrap" in done.stdout
    assert lines[-1].startswith("status: `convkit grade --backend auto` grades with ")


def test_a_sandbox_that_cannot_start_grades_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from convkit import cli
    from convkit.sandbox import backends

    broken = [sys.executable, "-c", "import sys; sys.exit('no namespaces here')"]
    monkeypatch.setattr(backends.Backend, "command", lambda self, *args: broken)
    grade = ["grade", str(REFERENCE), "--out", str(tmp_path / "out"), "--backend", "plain"]
    assert cli.main([*grade, "--seed", "1"]) == 1
    error = capsys.readouterr().err
    assert (
        "could not start: no namespaces here; nothing was graded" in error
        and not (tmp_path / "out").exists()
    )


def test_a_sandbox_that_cannot_start_on_resume_keeps_the_earlier_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from convkit import cli
    from convkit.sandbox import backends

    batch, out = tmp_path / "batch", tmp_path / "out"
    batch.mkdir()
    shutil.copy(REFERENCE, batch / "ref.py")
    grade = [
        "grade",
        str(batch),
        "--out",
        str(out),
        "--backend",
        "plain",
        "--seed",
        "7",
        "--course",
        str(tmp_path),
    ]
    assert cli.main(grade) == 0
    before = (out / "grades.csv").read_bytes()
    shutil.copy(STUBS, batch / "stubs.py")
    broken = [sys.executable, "-c", "import sys; sys.exit('no namespaces here')"]
    monkeypatch.setattr(backends.Backend, "command", lambda self, *args: broken)
    capsys.readouterr()
    assert cli.main([*grade, "--resume"]) == 1
    error = capsys.readouterr().err
    assert (
        f"could not start: no namespaces here; what was graded is in {out}; run the same command "
        "with --resume" in error
    )
    assert (out / "grades.csv").read_bytes() == before


def test_grading_never_draws_a_seed_unasked_and_regrades_alike(tmp_path: Path) -> None:
    course = tmp_path / "course"
    course.mkdir()
    seed_file = course / "convkit-seed.txt"
    both = [REFERENCE, STUBS]
    refused = convkit("grade", *both, "--out", tmp_path / "first", cwd=course)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    fixes = ("--course DIR", "--autograder build/autograder.zip", "--seed fresh", str(seed_file))
    assert all(fix in refused.stderr for fix in fixes), refused.stderr
    assert list(course.iterdir()) == [] and not (tmp_path / "first").exists()
    started = ["--jobs=2", "--seed=fresh"]  # a new course: its seed is drawn and kept
    first = convkit("grade", *both, "--out", tmp_path / "first", *started, cwd=course)
    assert first.returncode == 0, first.stderr
    assert f"drew the course's grading seed and kept it in {seed_file}" in first.stderr
    assert seed_file.stat().st_mode & 0o777 == 0o600
    seed = seed_file.read_text().splitlines()[-1]
    second = convkit("grade", *both, "--out", tmp_path / "second", "--jobs=1", "--course", course)
    assert second.returncode == 0, second.stderr
    assert f"used the course's grading seed in {seed_file}" in second.stderr
    for name in (
        "grades.csv",
        "report.md",
        "report.html",
        "solutions__convolutions.py/results.json",
        "student_template__convolutions.py/results.json",
    ):
        assert (tmp_path / "first" / name).read_bytes() == (
            tmp_path / "second" / name
        ).read_bytes(), name
    assert {row["seed"] for row in csv.DictReader((tmp_path / "first" / "grades.csv").open())} == {
        seed
    }
    fresh = convkit(
        "grade", STUBS, "--out", tmp_path / "fresh", "--seed", "fresh", "--jobs", "1", cwd=course
    )
    assert fresh.returncode == 0 and "graded with a fresh seed" in fresh.stderr
    replay = fresh.stderr.split("--seed ")[-1].split()[0]
    assert (
        {row["seed"] for row in csv.DictReader((tmp_path / "fresh" / "grades.csv").open())}
        == {replay}
        != {seed}
    )
    assert seed_file.read_text().splitlines()[-1] == seed, "a fresh seed for a run is not kept"


def test_convkit_alone_prints_help_and_version_is_known() -> None:
    alone = convkit()
    assert alone.returncode == 2 and "usage: convkit" in alone.stdout and "grade" in alone.stdout
    version = convkit("--version")
    assert version.returncode == 0 and version.stdout.startswith("convkit 0.")
    grade_help = convkit("grade", "--help").stdout
    for item in fields(GradingConfig):
        assert f"--{item.name.replace('_', '-')}" in grade_help
    assert "(default: 10)" in grade_help and "--force" in grade_help


def test_out_is_replaced_whole_only_with_force(tmp_path: Path) -> None:
    out = tmp_path / "graded"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    refused = convkit("grade", STUBS, "--out", out, "--seed", "1")
    assert refused.returncode == 2 and (out / "stale.txt").exists()
    done = convkit("grade", STUBS, "--out", out, "--seed", "1", "--force")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "convolutions.py",
        "grades.csv",
        "histogram.png",
        "report.html",
        "report.md",
        "results.jsonl",
    ]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".graded")] == []


def test_no_command_deletes_course_material_even_with_force(tmp_path: Path) -> None:
    """A handout, the seed and the submissions are never --out; grade never replaces a build, nor
    build a grading run's output; --force and --resume exclude each other."""
    names = ("build", "upload", "course", "graded", "export")
    handout, upload, seeded, graded, export = (tmp_path / name for name in names)
    (handout / "student").mkdir(parents=True)
    (handout / "student" / "convolutions.ipynb").write_text("{}")
    upload.mkdir()
    (upload / "autograder.zip").write_bytes(b"PK")
    seeded.mkdir()
    (seeded / "convkit-seed.txt").write_text("1\n")
    graded.mkdir()
    (graded / "grades.csv").write_text(HEADER + "\n")
    submission = export / "submission_1"
    submission.mkdir(parents=True)
    shutil.copy(REFERENCE, submission / "convolutions.py")
    never = "which this command never replaces, even with --force; choose another folder"
    seed = "the course's grading seed (convkit-seed.txt)"
    cases = [
        (["grade", REFERENCE, "--out", handout], "a built handout (student/convolutions.ipynb)"),
        (["grade", REFERENCE, "--out", upload], "a built handout (autograder.zip)"),
        (["grade", REFERENCE, "--out", seeded], seed),
        (["build", "--out", seeded], seed),
        (["build", "--out", graded], "a grading run's output (grades.csv)"),
    ]
    inside = f"is inside the submissions ({export})"
    cases = [(args, f"--out {args[-1]} holds {what}, {never}") for args, what in cases] + [
        (["grade", export, "--out", export / "graded"], f"--out {export / 'graded'} {inside}"),
        (["grade", export, "--out", submission], f"--out {submission} {inside}"),
        (["grade", submission, "--out", export], f"--out {export} would replace the submissions"),
    ]
    for args, message in cases:
        done = convkit(*args, "--force")
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    both = convkit("grade", REFERENCE, "--out", graded, "--force", "--resume")
    assert both.returncode == 2
    assert "argument --resume: not allowed with argument --force" in both.stderr
    assert (handout / "student" / "convolutions.ipynb").is_file()
    assert (upload / "autograder.zip").is_file()
    assert (seeded / "convkit-seed.txt").is_file() and (graded / "grades.csv").is_file()
    assert not (export / "graded").exists()


@pytest.mark.slow
def test_build_replaces_out_whole_with_force(tmp_path: Path) -> None:
    out = tmp_path / "build"
    out.mkdir()
    (out / "stray.txt").write_text("left over")
    done = convkit("build", "--out", out, "--force", "--course", tmp_path)
    assert done.returncode == 0, done.stderr
    assert (
        not (out / "stray.txt").exists()
        and (out / "autograder.zip").is_file()
        and (out / "student").is_dir()
    )


@pytest.mark.slow
def test_a_gradescope_export_is_graded_by_student_and_every_student_is_in_the_gradebook(
    tmp_path: Path,
) -> None:
    from tests.batch.test_collect import export

    folder = export(tmp_path / "export")
    (folder / "submission_3000").mkdir()  # a submission the metadata does not list
    shutil.copy(REFERENCE, folder / "submission_3000" / "convolutions.py")
    out = tmp_path / "out"
    done = convkit("grade", folder.parent, "--out", out, "--seed", "1", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    rows = {row["submission"]: row for row in csv.DictReader((out / "grades.csv").open())}
    unlisted, group = "submission_3000/convolutions.py", "submission_2000/convolutions.py"
    empty = "submission_1003"
    assert len(rows) == 22
    named = [row for name, row in rows.items() if name != unlisted]
    assert all(row["student"] and row["sid"] and row["email"] for row in named)
    assert (rows[group]["student"], rows[group]["total"]) == ("Ann; Ben", "0")
    nothing = "nothing to grade: no .py, .ipynb or .zip file in its folder"
    row = rows[empty]  # the student who handed in nothing
    said = (row["student"], row["sid"], row["total"], row["status"])
    assert said == ("Student 3", "S003", "0", nothing)
    assert {row["total"] for name, row in rows.items() if name not in (group, empty)} == {"35"}
    assert rows[unlisted]["student"] == ""
    report = (out / "report.md").read_text()
    counts = "22 submission(s): 21 graded, 1 with nothing to grade, 0 ungradable;"
    assert report.splitlines()[2].startswith(counts)
    warning = f"`submission_metadata.yml` names no student for 1 submission(s): `{unlisted}`"
    assert f"**Warning:** {warning}." in report
    assert f"| `{unlisted}` | not in `submission_metadata.yml` |  | 35/35 | graded |" in report
    assert f"| `{empty}` | Student 3 | S003 | 0/35 | {nothing} | `{empty}/feedback.md` |" in report
    assert "1 unreadable" not in report and "0 unreadable, 1 with nothing to grade" in report
    not_graded = report.split("## Files not graded")[1]
    for name in ("notes.txt", "scratch.py", "test_convolutions.py"):
        assert name in not_graded and f"{name}: " in done.stderr
    assert empty not in not_graded
    html = (out / "report.html").read_text()
    assert "not in <code>submission_metadata.yml</code>" in html
    assert "1 with nothing to grade" in html
    said = f"nothing to grade: {empty} (Student 3, S003): {nothing.split(': ')[1]}; it scores 0"
    assert said in done.stderr
    assert f"warning: {warning.replace('`', '')}" in done.stderr
    assert "graded 21 of 22 submission(s) (1 with nothing to grade) with the " in done.stdout
    graded = json.loads((out / empty / "results.json").read_text())
    assert graded["score"] == 0
    assert graded["output"].startswith(f"Nothing to grade: {nothing.split(': ')[1]}")
    picked = (out / "submission_1002__convolutions.py" / "results.json").read_text()
    assert "graded convolutions.py, one of 2 files" in picked
