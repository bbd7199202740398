"""Hostile submissions (tests/corpora/attacks/) graded in one batch per backend: each scores what
its expectation says, the batch stays fast, and nothing survives it (processes, files of worker
uids, changes to the grader's files).

The batch grades with the assignment's own choices, so the from-scratch policy is in its default
mode, "feedback": an attack that calls a library routine it may not keeps its points, and its
expectation's "scratch" lists the questions whose feedback must say so (no other question's may)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import fields
from pathlib import Path

import pytest

from convkit.batch.run import grade_batch
from convkit.exercises.questions import QUESTION_IDS
from convkit.output.feedback import check_lines
from convkit.results import SubmissionResult
from convkit.sandbox.backends import WORKER_UID_BASE, choose
from convkit.settings.limits import GradingConfig
from convkit.settings.run import GradingRun
from convkit.worker import landlock
from convkit.worker.protocol import WRITABLE
from tests.conftest import docker_like, expand, unreadable

REPO = Path(__file__).resolve().parents[2]
ATTACKS = REPO / "tests" / "corpora" / "attacks"
EXPECTED: dict[str, dict] = json.loads((ATTACKS / "expected.json").read_text())
CONFIG = GradingConfig(jobs=2, call_timeout=2, cell_timeout=3, submission_timeout=40)
BATCH_SECONDS = 150
FAKE_RESULTS = ("results.json", "grades.csv", "convkit-results.json")
ROOT = os.geteuid() == 0


def test_corpus_is_complete() -> None:
    files = sorted(p.name for p in ATTACKS.iterdir() if p.suffix in (".py", ".ipynb"))
    assert files == sorted(EXPECTED), "every attack needs exactly one expectation in expected.json"
    assert len(files) >= 28 and sum(name.endswith(".ipynb") for name in files) >= 2
    for name, expectation in EXPECTED.items():
        named = [*expectation["zero"], *expectation["full"], *expectation.get("lose", [])]
        assert sorted(named) == sorted(QUESTION_IDS), (
            f"{name}: every question must be zero, full or lose"
        )


def _tracked_hashes() -> dict[str, str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode()
    paths = {p for p in listed.split("\0") if p} | {
        str(p.relative_to(REPO)) for p in ATTACKS.iterdir()
    }
    hashes = {}
    for relative in sorted(paths):
        try:
            hashes[relative] = hashlib.sha256((REPO / relative).read_bytes()).hexdigest()
        except OSError as exc:
            hashes[relative] = f"unreadable: {exc.strerror}"
    return hashes


def _fake_results() -> set[Path]:
    places = {Path.cwd(), REPO, REPO / "tests", Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")}
    return {place / name for place in places for name in FAKE_RESULTS if (place / name).exists()}


def _status_uid(pid: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Uid:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _under_live_zygote(pid: str) -> bool:
    """True for a worker (or its child) of a grading run still going on, e.g. another test
    session's."""
    for _ in range(64):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            if (
                b"convkit.worker.zygote" in Path(f"/proc/{pid}/cmdline").read_bytes()
                and _status_uid(pid) == 0
            ):
                return True
        except OSError:
            return False
        pid = stat.rsplit(")", 1)[1].split()[1]
        if pid in ("0", "1"):
            return False
    return False


def _stray_processes() -> list[str]:
    """Processes of worker uids that no live zygote owns: leaks (whatever run they came from)."""
    stray = []
    for entry in Path("/proc").iterdir():
        if (
            entry.name.isdigit()
            and (_status_uid(entry.name) or 0) >= WORKER_UID_BASE
            and not _under_live_zygote(entry.name)
        ):
            try:
                stray.append(f"{entry.name}: {(entry / 'cmdline').read_bytes()[:120]!r}")
            except OSError:
                continue
    return stray


def _worker_files() -> list[str]:
    """Entries under /tmp, /var/tmp and /dev/shm owned by a worker uid, other than live grading
    runs' workdirs."""
    owned = []
    for root in ("/tmp", "/var/tmp", "/dev/shm"):
        for directory, subdirs, files in os.walk(root):
            for name in [*subdirs, *files]:
                path = os.path.join(directory, name)
                try:
                    uid = os.lstat(path).st_uid
                except OSError:
                    continue
                if uid >= WORKER_UID_BASE:
                    owned.append((path, uid))
    live_uids = {_status_uid(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()}
    return [f"{path} (uid {uid})" for path, uid in owned if uid not in live_uids]


class HostShmem:
    """The machine's tmpfs and shared memory in use (/proc/meminfo's Shmem), sampled while a block
    runs."""

    def __enter__(self) -> HostShmem:
        self.start = self.peak = self.read()
        self.done = threading.Event()
        self.sampler = threading.Thread(target=self.sample, daemon=True)
        self.sampler.start()
        return self

    def sample(self) -> None:
        while not self.done.wait(0.02):
            self.peak = max(self.peak, self.read())

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.sampler.join()

    @staticmethod
    def read() -> int:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("Shmem:"):
                return int(line.split()[1]) << 10
        raise AssertionError("no Shmem line in /proc/meminfo")


def _settled(probe, seconds: float = 10.0) -> list[str]:  # type: ignore[no-untyped-def]
    """What `probe` still reports once the reaping is over (workers die asynchronously)."""
    deadline = time.monotonic() + seconds
    while (found := probe()) and time.monotonic() < deadline:
        time.sleep(0.25)
    return found


def in_a_container(paths: list[Path], out: Path) -> list[SubmissionResult]:
    """`paths` graded by `convkit grade --backend landlock` inside Docker's default confinement (no
    namespaces), with CONFIG's limits; the results as the run recorded them, in input order."""
    limits = [
        f"--{item.name.replace('_', '-')}={getattr(CONFIG, item.name)}" for item in fields(CONFIG)
    ]
    command = [
        "-m",
        "convkit.cli",
        "grade",
        *paths,
        "--out",
        out,
        "--backend",
        "landlock",
        "--seed",
        "1",
        *limits,
    ]
    done = subprocess.run(
        docker_like(sys.executable, *command),
        capture_output=True,
        text=True,
        timeout=BATCH_SECONDS,
        cwd=out.parent,
    )
    assert "isolation: landlock" in done.stdout, (
        f"the landlock batch did not run: {done.stdout[-500:]}{done.stderr[-2000:]}"
    )
    by_name = {
        record["name"]: record["result"]
        for record in map(json.loads, (out / "results.jsonl").read_text().splitlines())
    }
    return [SubmissionResult.from_dict(by_name[path.name]) for path in paths]


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(name, marks=pytest.mark.xdist_group(f"attacks-{name}"))
        for name in ("plain", "bwrap", "landlock")
    ],
)
def graded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, SubmissionResult]:
    if request.param == "bwrap" and shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    if request.param in ("plain", "landlock") and not ROOT:
        pytest.skip(
            f"the tests run the {request.param} backend (own uid, hidden grader files) as root only"
        )
    if request.param == "landlock" and landlock.available():
        pytest.skip(f"no Landlock here: {landlock.available()}")
    before_hashes, before_fakes = _tracked_hashes(), _fake_results()
    names = sorted(EXPECTED)
    started = time.monotonic()
    folder = tmp_path_factory.mktemp(f"attacks-{request.param}")
    paths = [expand(ATTACKS / name, folder) for name in names]
    with HostShmem() as shmem:
        if request.param == "landlock":
            results = in_a_container(paths, folder / "graded")
        else:
            results = grade_batch(
                paths, GradingRun(CONFIG, 1), choose(request.param), progress=False
            ).results
    elapsed = time.monotonic() - started
    # The fillers write 2,000 MB each unless bounded. Every worker's writable places are tmpfs of
    # tmp_bytes each; the other backend's batch may run at the same time on the other test process,
    # with as many workers. A landlock worker writes only its scratch folder, on the disk, whose
    # bound the zygote enforces itself.
    tmp_bytes = CONFIG.limits().tmp_bytes
    budget = 2 * CONFIG.jobs * len(WRITABLE) * tmp_bytes + (64 << 20)
    grew = shmem.peak - shmem.start
    least = 0 if request.param == "landlock" else tmp_bytes // 2
    assert least <= grew <= budget, (
        f"host tmpfs memory grew by {grew >> 20} MB (the budget is {budget >> 20} MB)"
    )
    assert elapsed < BATCH_SECONDS, f"the {request.param} batch took {elapsed:.0f} s"
    if ROOT:
        assert not _settled(_stray_processes), f"worker processes survived: {_stray_processes()}"
        assert not _settled(_worker_files), f"worker files survived: {_worker_files()}"
    after_hashes = _tracked_hashes()
    changed = [path for path in before_hashes if after_hashes.get(path) != before_hashes[path]]
    assert not changed, f"grader files changed during grading: {changed}"
    assert _fake_results() <= before_fakes, (
        f"fake results files appeared: {_fake_results() - before_fakes}"
    )
    return dict(zip(names, results, strict=True))


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=lambda name: name.rsplit(".", 1)[0])
def test_attack(graded: dict[str, SubmissionResult], name: str) -> None:
    expectation = EXPECTED[name]
    if expectation.get("needs_root") and not ROOT:
        pytest.skip(
            "without root, bubblewrap's temporary folders have no file-count bound "
            "(Backend.describe says so)"
        )
    result = graded[name]
    scores = {q.question: q for q in result.questions}
    assert result.gradable, f"{name} made the grader fail: {result.problem}"
    assert list(scores) == list(QUESTION_IDS)
    problems = []
    for question in expectation["zero"]:
        if scores[question].score != 0:
            problems.append(f"{question} scored {scores[question].score}, must be 0")
    for question in expectation["full"]:
        q = scores[question]
        if q.score != q.max_score:
            failed = "; ".join(
                line for line in check_lines(result) if line.startswith(f"[{question} /")
            )
            problems.append(
                f"{question} scored {q.score}/{q.max_score}, must be full: {failed[:300]}"
            )
    for question in expectation.get("lose", []):
        if scores[question].score >= scores[question].max_score:
            problems.append(f"{question} got full marks, must lose points")
    said, scratch = [q for q in QUESTION_IDS if scores[q].scratch], expectation.get("scratch", [])
    if said != scratch:
        problems.append(f"the from-scratch policy spoke of {said}, must of {scratch}")
    assert not problems, (
        f"{name} ({expectation['why']}):\n" + "\n".join(problems) + f"\nnotes: {result.notes}"
    )


def test_feedback_on_attacks_is_readable(graded: dict[str, SubmissionResult]) -> None:
    """Whatever a hostile submission prints or raises, no feedback line is over 200 characters or
    shows a number with more than four significant digits."""
    problems = [
        f"{name}: {problem}" for name, result in graded.items() for problem in unreadable(result)
    ]
    assert not problems, "\n".join(problems[:10])
