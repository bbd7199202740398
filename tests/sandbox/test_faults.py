"""Two error families: what the submission does wrong costs its checks; what goes wrong in the
grader makes the submission ungradable (no score anywhere, listed first, excluded from statistics, a
non-zero exit)."""

from __future__ import annotations

import csv
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from convkit import cli
from convkit.batch.run import grade_batch
from convkit.errors import CheckFailed, SandboxError
from convkit.grading import engine
from convkit.results import Failure, GradeStatus, SubmissionResult
from convkit.sandbox.backends import choose
from convkit.settings.limits import GradingConfig
from convkit.settings.run import GradingRun
from tests.conftest import REFERENCE

CONFIG = GradingConfig(jobs=2, call_timeout=5, cell_timeout=10, submission_timeout=60)
pytestmark = pytest.mark.xdist_group("faults")  # one module-scoped batch for the first tests

FORGED_FLOAT = (
    """
import os, struct, sys, json

def corr2d(X, K):
    frame = sys._getframe(1)
    while frame is not None and not isinstance(frame.f_locals.get("request"), dict):
        frame = frame.f_back
    seq = frame.f_locals["request"]["seq"]
    payload = json.dumps({"seq": seq, "status": "ok", "value": {"result": {"kind": "float", """
    """"repr": "1e400x"}, "inputs_after": []}}).encode()
    for fd in range(3, 12):
        try:
            os.write(fd, struct.pack(">I", len(payload)) + payload)
        except OSError:
            pass
    return X
"""
)

TOO_LARGE = """
def corr2d(X, K):
    return [torch.zeros(1000, 1000)] * 10
"""

BIG_FILE = (
    """
import subprocess, tempfile

def corr2d(X, K):
    with tempfile.TemporaryFile() as sink:  # head is stopped by SIGXFSZ at the sandbox's limit """
    """for one file
        subprocess.run(["head", "-c", "3000000", "/dev/zero"], stdout=sink, check=True)
    return X
"""
)

KILLED_BY_A_BIG_FILE = """
import signal

def corr2d(X, K):
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python ignores it: writes past the limit fail
    with open("big.bin", "wb") as sink:
        sink.write(b"x" * 3_000_000)
    return X
"""

SAYS_NO_SPACE = """
import errno, os

def corr2d(X, K):
    raise OSError(errno.ENOSPC, "No space left on device: wrote more than 64 MB of temporary files")
"""

FILLS_TMP = """
import os, tempfile

def corr2d(X, K):
    for number in range(200):  # each file under the limit for one
        with open(os.path.join(tempfile.gettempdir(), f"filler-{number}"), "wb") as sink:
            sink.write(b"x" * (1 << 19))
    return X
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SubmissionResult]:
    folder = tmp_path_factory.mktemp("faults")
    paths = []
    for name, override in (
        ("forged.py", FORGED_FLOAT),
        ("large.py", TOO_LARGE),
        ("big_file.py", BIG_FILE),
        ("killed.py", KILLED_BY_A_BIG_FILE),
        ("no_space.py", SAYS_NO_SPACE),
        ("fills_tmp.py", FILLS_TMP),
    ):
        paths.append(folder / name)
        paths[-1].write_text(REFERENCE.read_text() + "\n" + override)
    return {
        result.name: result
        for result in grade_batch(
            paths, GradingRun(CONFIG, 5), choose("auto"), progress=False
        ).results
    }


def test_a_forged_float_is_the_submissions_failure(graded: dict[str, SubmissionResult]) -> None:
    result = graded["forged.py"]
    assert result.status is GradeStatus.GRADED
    corr2d = result.questions[0]
    assert corr2d.score == 0
    failures = {check.failure.reason for check in corr2d.checks if check.failure}
    assert failures == {"a malformed reply"}, failures
    assert all(
        "malformed float" in check.failure.detail for check in corr2d.checks if check.failure
    )
    assert all(q.score == q.max_score for q in result.questions[1:])


def test_an_oversize_reply_says_how_large(graded: dict[str, SubmissionResult]) -> None:
    result = graded["large.py"]
    assert result.status is GradeStatus.GRADED
    details = {check.failure.detail for check in result.questions[0].checks if check.failure}
    assert details == {"the reply was too large (50.9 MB, the limit is 16 MB)"}, details


def corr2d_failures(result: SubmissionResult) -> list[Failure]:
    return [check.failure for check in result.questions[0].checks if check.failure]


def test_a_worker_killed_for_a_large_file_is_told_so(graded: dict[str, SubmissionResult]) -> None:
    """The worker's death by SIGXFSZ is the kernel's evidence that a file reached the limit."""
    failures = corr2d_failures(graded["killed.py"])
    assert failures and {failure.reason for failure in failures} == {"wrote too large a file"}
    told = "a file reached 1024 KB, the sandbox's limit for one"
    assert all(told in failure.detail for failure in failures)


def test_only_the_sandboxs_evidence_names_a_limit(graded: dict[str, SubmissionResult]) -> None:
    """A program the code started that died of SIGXFSZ, and an exception saying a place is full, are
    told in the code's own words, with no limit named; a place the worker really filled is named
    from the sandbox's own look at it."""
    for name in ("big_file.py", "no_space.py", "fills_tmp.py"):
        failures = corr2d_failures(graded[name])
        assert failures and all(failure.reason.startswith("raised ") for failure in failures), name
        assert not any("1024 KB" in f.detail or "the limit" in f.detail for f in failures), name
    reasons = {failure.reason for failure in corr2d_failures(graded["big_file.py"])}
    assert reasons == {"raised CalledProcessError"}
    assert not any("full" in note for note in graded["no_space.py"].notes)
    filled = graded["fills_tmp.py"]
    if filled.backend == "bwrap" or os.geteuid() == 0:  # plain without root shares the host's /tmp
        found = [note for note in filled.notes if note.startswith("the sandbox found /tmp full")]
        assert found, filled.notes


def grade_with_pool2d_check(
    function: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> SubmissionResult:
    """The reference, graded with every pool2d check replaced by `function`."""
    suite = engine.suite
    monkeypatch.setattr(
        engine,
        "suite",
        lambda question: tuple(
            replace(c, function=function) if c.question == "pool2d" else c for c in suite(question)
        ),
    )
    path = tmp_path / "fine.py"
    path.write_text(REFERENCE.read_text())
    [result] = grade_batch([path], GradingRun(CONFIG, 5), choose("plain"), progress=False).results
    return result


def test_a_check_that_breaks_makes_the_submission_ungradable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(student, rng):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("a bug in the grader")

    result = grade_with_pool2d_check(broken, tmp_path, monkeypatch)
    assert result.status is GradeStatus.UNGRADABLE and result.total == 0
    assert (
        "the check pool2d/'book example, scaled, shifted and transposed' broke "
        "(ZeroDivisionError: a bug in the grader)" in str(result.problem)
    )


def test_a_check_that_fails_on_the_judges_own_oracle_makes_the_submission_ungradable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(student, rng):  # type: ignore[no-untyped-def]
        raise CheckFailed("no answer is ever right", reason="wrong answer")

    result = grade_with_pool2d_check(failing, tmp_path, monkeypatch)
    assert result.status is GradeStatus.UNGRADABLE and result.total == 0
    assert "fails on the judge's own oracle (no answer is ever right)" in str(result.problem)


@pytest.mark.parametrize("backend", ["plain", "bwrap"])
def test_a_worker_that_cannot_be_confined_makes_the_submission_ungradable_not_zero(
    backend: str,
) -> None:
    """A limit this machine refuses stops each worker before any code of the submission runs: the
    sandbox failed, so the reference is ungradable with the limit named (it was graded 0 of 35)."""
    if backend == "bwrap" and choose("auto").name != "bwrap":
        pytest.skip("bubblewrap is not installed here")
    config = replace(CONFIG, jobs=1, memory_mb=10**13)
    [result] = grade_batch(
        [REFERENCE], GradingRun(config, 5), choose(backend), progress=False
    ).results
    assert result.status is GradeStatus.UNGRADABLE
    assert f"the {backend} sandbox could not confine a worker: ValueError: RLIMIT_AS of " in str(
        result.problem
    )


def test_ungradable_submissions_have_no_score_and_exit_non_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from convkit.sandbox.session import Session

    load = Session.load

    def load_failing_for_bob(self: Session) -> None:
        if self.submission.name == "bob.py":
            raise SandboxError("the plain sandbox stopped answering")
        load(self)

    monkeypatch.setattr(Session, "load", load_failing_for_bob)
    unlucky = tmp_path / "subs" / "bob.py"
    unlucky.parent.mkdir()
    for name in ("alice.py", "bob.py", "carol.py"):
        (tmp_path / "subs" / name).write_text(REFERENCE.read_text())
    out = tmp_path / "out"
    assert (
        cli.main(
            [
                "grade",
                str(tmp_path / "subs"),
                "--out",
                str(out),
                "--backend",
                "plain",
                "--jobs",
                "1",
                "--seed",
                "4",
            ]
        )
        == 1
    )
    assert (
        "bob.py could not be graded: the plain sandbox stopped answering" in capsys.readouterr().err
    )
    rows = {row["submission"]: row for row in csv.DictReader((out / "grades.csv").open())}
    assert rows["bob.py"]["total"] == "" and rows["bob.py"]["corr2d"] == ""
    assert rows["bob.py"]["status"] == "ungradable: the plain sandbox stopped answering"
    assert rows["alice.py"]["status"] == "graded" and rows["alice.py"]["total"] == "35"
    bob = json.loads((out / "bob.py" / "results.json").read_text())
    assert "score" not in bob and all("score" not in test for test in bob["tests"])
    assert bob["extra_data"]["status"] == "ungradable"
    report = (out / "report.md").read_text()
    assert report.index("## Ungradable submissions") < report.index("## Questions")
    assert (
        "3 submission(s): 2 graded, 1 ungradable" in report
        and "| `corr2d` | 2/2 (100%) | 6.00 |" in report
    )


def test_auto_falls_back_to_plain_with_a_warning_but_a_named_backend_never_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    from convkit.sandbox import backends

    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    # bwrap shows it; plain covers it
    monkeypatch.setattr(backends, "hidden_paths", lambda: ["/usr/share"])
    assert (
        cli.main(
            [
                "grade",
                str(REFERENCE),
                "--out",
                str(tmp_path / "named"),
                "--backend",
                "bwrap",
                "--seed",
                "4",
            ]
        )
        == 1
    )
    assert (
        "isolates less than it promises" in capsys.readouterr().err
        and not (tmp_path / "named").exists()
    )
    assert (
        cli.main(
            [
                "grade",
                str(REFERENCE),
                "--out",
                str(tmp_path / "auto"),
                "--backend",
                "auto",
                "--seed",
                "4",
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert (
        "warning: bwrap could not start here" in captured.err
        and "with the plain sandbox" in captured.out
    )
    assert (
        "**Warning:** bwrap could not start here" in (tmp_path / "auto" / "report.md").read_text()
    )
