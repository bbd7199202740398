"""Results stream out as they finish: an interrupted run keeps what it graded, and `--resume`
finishes it into the same files an uninterrupted run writes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from convkit.output.journal import Journal, Key, reusable
from convkit.output.reports import RECORDS
from tests.conftest import REFERENCE, STUBS, convkit

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("resume")]
SEED = "5"


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight submissions, each taking a second or more to load, so a run can be stopped half-way."""
    folder = tmp_path_factory.mktemp("subs")
    for index in range(8):
        source = STUBS if index % 3 == 0 else REFERENCE
        (folder / f"s{index}.py").write_text(
            source.read_text() + f"\nimport time\ntime.sleep(1.0)  # {index}\n"
        )
    return folder


@pytest.fixture(scope="module")
def uninterrupted(batch: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("whole") / "out"
    done = convkit("grade", batch, "--out", out, "--seed", SEED, "--jobs", "2")
    assert done.returncode == 0, done.stderr
    return out


def files(out: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(out)): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }


def records(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / RECORDS).read_text().splitlines()]


def test_a_stopped_run_keeps_what_it_graded_and_resume_finishes_it_identically(
    batch: Path, uninterrupted: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "convkit.cli",
        "grade",
        str(batch),
        "--out",
        str(out),
        "--seed",
        SEED,
        "--jobs",
        "2",
    ]
    run = subprocess.Popen(
        command, cwd=tmp_path, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (
        (out / RECORDS).exists() and (out / RECORDS).read_text().count("\n") >= 2
    ):
        time.sleep(0.05)
    run.send_signal(signal.SIGTERM)  # what a batch system sends; Ctrl-C takes the same path
    _, error = run.communicate(timeout=60)
    assert run.returncode == 128 + signal.SIGTERM, error
    assert (
        f"interrupted; what was graded is in {out}; run the same command with --resume to finish"
        in error
    )
    kept = records(out)
    assert 2 <= len(kept) < 8
    rows = (out / "grades.csv").read_text().splitlines()
    assert len(rows) == 1 + len(kept), (
        "each graded submission has its grades.csv row as soon as it is graded"
    )
    for record in kept:
        name = str(record["name"])
        assert (out / name / "results.json").is_file() and (out / name / "feedback.md").is_file()
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".out.")], (
        "no half-written sibling folder is left"
    )

    refused = convkit("grade", batch, "--out", out, "--seed", SEED)
    assert (
        refused.returncode == 2 and "--resume to go on with the run that wrote it" in refused.stderr
    )

    resumed = convkit("grade", batch, "--out", out, "--seed", SEED, "--jobs", "2", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert f"--resume: {len(kept)} of 8 submission(s) already graded, kept" in resumed.stderr
    assert files(out) == files(uninterrupted)


@pytest.mark.parametrize("after", [0.5, 0.8, 1.1, 1.4, 2.0])
def test_ctrl_c_while_starting_says_one_line(batch: Path, tmp_path: Path, after: float) -> None:
    """Ctrl-C reaches the whole process group, the judges' fork server too, which is still importing
    torch then (and this process may be too, or starting its judges): the run says one line, no
    traceback, and exits 130."""
    command = [
        sys.executable,
        "-m",
        "convkit.cli",
        "grade",
        str(batch),
        "--out",
        str(tmp_path / "out"),
        "--seed",
        SEED,
        "--jobs",
        "2",
    ]
    run = subprocess.Popen(
        command,
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    time.sleep(after)
    os.killpg(run.pid, signal.SIGINT)
    _, error = run.communicate(timeout=60)
    said = [line for line in error.splitlines() if not line.startswith("grading:")]
    assert (
        run.returncode == 130
        and len(said) == 1
        and said[0].startswith("convkit grade: interrupted")
    ), error


def test_a_caught_keyboard_interrupt_keeps_the_exit_status(tmp_path: Path) -> None:
    """Run as `python -m`, CPython ends by SIGINT, whatever `sys.exit` says, once a
    KeyboardInterrupt left an exec() of a string (as one does when Ctrl-C comes while an import
    builds a dataclass); convkit clears that before it returns."""
    (tmp_path / "stopped.py").write_text(
        "import sys\n"
        "from convkit.interrupts import keep_exit_status\n"
        "try:\n"
        "    exec('raise KeyboardInterrupt')\n"
        "except KeyboardInterrupt:\n"
        "    keep_exit_status()\n"
        "sys.exit(130)\n"
    )
    assert subprocess.run([sys.executable, "-m", "stopped"], cwd=tmp_path).returncode == 130


def test_resume_grades_again_what_changed_and_only_that(
    batch: Path, uninterrupted: Path, tmp_path: Path
) -> None:
    names = sorted(path.name for path in batch.iterdir())
    wanted = [
        Key(name, str(record["sha256"]), str(record["settings"]))
        for name, record in zip(names, records(uninterrupted), strict=True)
    ]
    assert set(reusable(uninterrupted, wanted)) == set(range(8))

    other_seed = [Key(key.name, key.sha256, "another-seed-or-setting") for key in wanted]
    assert reusable(uninterrupted, other_seed) == {}
    edited = [
        Key(key.name, "0" * 64, key.settings) if key.name == "s3.py" else key for key in wanted
    ]
    assert set(reusable(uninterrupted, edited)) == set(range(8)) - {3}

    copy = tmp_path / "copy"
    shutil.copytree(uninterrupted, copy)
    lines = (copy / RECORDS).read_text().splitlines()
    broken = json.loads(lines[1])
    broken["result"]["status"], broken["result"]["problem"] = (
        "ungradable",
        "the sandbox stopped answering",
    )
    lines[1] = json.dumps(broken)
    lines[-1] = lines[-1][: len(lines[-1]) // 2]  # a write cut short by the interruption
    (copy / RECORDS).write_text("\n".join(lines))
    assert set(reusable(copy, wanted)) == set(range(8)) - {1, 7}, (
        "ungradable and cut-short records are graded again"
    )


def test_resume_on_a_finished_run_grades_only_new_files(
    batch: Path, uninterrupted: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "subs"
    shutil.copytree(batch, folder)
    shutil.copy(REFERENCE, folder / "late.py")
    out = tmp_path / "out"
    shutil.copytree(uninterrupted, out)
    done = convkit("grade", folder, "--out", out, "--seed", SEED, "--resume", "--jobs", "1")
    assert done.returncode == 0, done.stderr
    assert "--resume: 8 of 9 submission(s) already graded, kept" in done.stderr
    assert [record["name"] for record in records(out)] == sorted(
        path.name for path in folder.iterdir()
    )


def test_resume_refuses_a_folder_no_grading_run_wrote(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    done = convkit("grade", REFERENCE, "--out", tmp_path, "--resume")
    assert done.returncode == 2 and "holds no grades.csv, so no grading run wrote it" in done.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_signal_during_a_results_write_waits_for_the_write_whatever_threads_run() -> None:
    """Ctrl-C (or SIGTERM) while a result is written takes effect once it is written whole. With
    another thread running (torch starts some, so does the progress bar), blocking the signal in the
    main thread did not hold it: the kernel handed it to the other thread and Python raised
    KeyboardInterrupt mid-write."""
    import os
    import signal
    import threading
    import time

    from convkit.interrupts import signals_deferred

    assert threading.current_thread() is threading.main_thread()
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    written = []
    try:
        with pytest.raises(KeyboardInterrupt):
            with signals_deferred():
                os.kill(os.getpid(), signal.SIGINT)
                deadline = time.monotonic() + 0.5
                while time.monotonic() < deadline:  # bytecodes, at which a pending handler runs
                    written.append(len(written))
                written.append("whole")
    finally:
        stop.set()
        other.join()
    assert written[-1] == "whole"


def test_the_final_output_is_what_rendering_the_results_afresh_writes(
    uninterrupted: Path, tmp_path: Path
) -> None:
    """The final folder links the submission folders written while grading and reads back their
    records: the same bytes as writing every result afresh, in input order."""
    from convkit.batch.run import Batch
    from convkit.output.reports import write_all
    from convkit.results import SubmissionResult
    from convkit.sandbox.backends import Backend

    lines = (uninterrupted / RECORDS).read_text().splitlines(keepends=True)
    results = [SubmissionResult.from_dict(json.loads(line)["result"]) for line in lines]
    write_all(
        Batch(results, Backend(results[0].backend), None),
        tmp_path / "fresh",
        int(SEED),
        records=lines,
    )
    assert files(tmp_path / "fresh") == files(uninterrupted)


def test_the_earlier_results_count_as_kept_until_their_folder_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    journal = Journal(out, [Key("a.py", "0" * 64, "s")], {0: object()})  # type: ignore[dict-item]
    assert journal.keeps, "--resume kept a result and --out still holds it"

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "mkdir", full_disk)
    with pytest.raises(OSError):
        journal.open()
    assert not out.exists() and not journal.keeps, (
        "the earlier output is gone: nothing to resume from"
    )
