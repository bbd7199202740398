"""Grading on a real Dask cluster: a scheduler and two workers started here, on 127.0.0.1, stopped
by the test."""

from __future__ import annotations

import csv
import json
import os
import pickle
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from convkit.output.reports import RECORDS
from convkit.results import Failure, SubmissionResult
from convkit.settings.run import GradingRun
from tests.cluster_poison import POISON
from tests.conftest import REFERENCE, REPO, STUBS, convkit

pytest.importorskip(
    "distributed", reason="the cluster extra (pip install 'convkit[cluster]') is not installed"
)
pytestmark = pytest.mark.slow
SHARED = pytest.mark.xdist_group("cluster")
"""On the tests that share the module's cluster or its local run: one worker makes them once; the
others, each with its own scheduler or none, go wherever a worker is free."""
SEED = "9"
STARTUP = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalCluster:
    """`dask scheduler` and `dask worker` processes, as an instructor starts them by hand; `options`
    for each worker (by default without a nanny, so that a worker killed stays dead)."""

    def __init__(
        self,
        folder: Path,
        workers: tuple[str, ...] = ("worker-a", "worker-b"),
        options: tuple[str, ...] = ("--no-nanny",),
    ) -> None:
        self.folder, self.workers, self.options = folder, workers, options
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self.env = {**os.environ, "PYTHONPATH": str(REPO / "autograder"), "OMP_NUM_THREADS": "1"}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *args: str) -> None:
        log = (self.folder / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            [*args],
            cwd=self.folder,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def up(self) -> LocalCluster:
        port = self.address.rsplit(":", 1)[1]
        self.start(
            "scheduler",
            sys.executable,
            "-m",
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            port,
            "--no-dashboard",
        )
        for index, name in enumerate(self.workers):
            # as the README says, and without
            preload = ["--preload", "convkit.batch.cluster"] if index == 0 else []
            self.start(
                name, sys.executable, "-m", "distributed.cli.dask_worker", self.address,
                "--nthreads", "1", "--no-dashboard", "--name", name, "--host", "127.0.0.1",
                *self.options, *preload,
            )  # fmt: skip
        deadline = time.monotonic() + STARTUP
        while time.monotonic() < deadline:
            if all("Starting established connection" in self.log(name) for name in self.workers):
                return self
            time.sleep(0.2)
        raise AssertionError(f"the cluster did not start: {self.log('scheduler')[-2000:]}")

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def kill(self, name: str) -> None:
        os.killpg(self.processes[name].pid, signal.SIGKILL)

    def down(self) -> None:
        for process in self.processes.values():
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    running = LocalCluster(tmp_path_factory.mktemp("cluster")).up()
    try:
        yield running
    finally:
        running.down()


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("subs")
    for index in range(6):
        source = STUBS if index == 4 else REFERENCE
        text = source.read_text() + f"\nimport time\ntime.sleep(1.5)  # {index}\n"
        if index == 2:
            # a bug: some checks fail, feedback is shown
            text = text.replace("return Y", "return Y.T", 1)
        (folder / f"s{index}.py").write_text(text)
    return folder


@pytest.fixture(scope="module")
def local_run(batch: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    done = convkit(
        "grade", batch, "--out", out, "--seed", SEED, "--jobs", "2", "--backend", "plain"
    )
    assert done.returncode == 0, done.stderr
    return out


def files(out: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(out)): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }


@SHARED
def test_a_batch_graded_on_the_cluster_equals_the_local_run(
    cluster: LocalCluster, batch: Path, local_run: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    done = convkit(
        "grade",
        batch,
        "--out",
        out,
        "--seed",
        SEED,
        "--backend",
        "plain",
        "--scheduler",
        cluster.address,
    )
    assert done.returncode == 0, done.stderr
    assert files(out) == files(local_run)
    # The scheduler unpickles every task, so imports the module of its function: never torch, which
    # held up its first tasks by the length of an import. And a grading worker does not run Dask's
    # profiler.
    assert "libtorch" not in Path(f"/proc/{cluster.processes['scheduler'].pid}/maps").read_text()
    from distributed import Client

    with Client(cluster.address, timeout=30) as client:
        callbacks = client.run(lambda dask_worker: sorted(dask_worker.periodic_callbacks))
    assert callbacks and not any(
        "profile" in name for names in callbacks.values() for name in names
    )


@SHARED
def test_a_worker_adopts_the_transcripts_another_learned(
    cluster: LocalCluster, tmp_path: Path
) -> None:
    """A submission graded on one worker, then on the other with the transcripts the first sent
    back: the second runs no check (it learns nothing) and gives the same result. A seed no batch
    used, so neither knew it before."""
    from convkit.batch.cluster import Cluster, grade_on_worker
    from convkit.batch.jobs import read_job
    from convkit.results import SubmissionResult
    from convkit.sandbox.backends import choose
    from convkit.settings.assignment import load
    from convkit.settings.limits import GradingConfig

    path = tmp_path / "doubled.py"
    path.write_text(REFERENCE.read_text().replace("return Y", "return 2 * Y", 1))
    job, seed = read_job(0, path), 4242
    with Cluster(
        cluster.address, choose("plain"), GradingRun(GradingConfig(), seed, load())
    ) as judges:
        first, second = sorted(judges.client.nthreads())

        def grade_on(
            worker: str, transcripts: bytes = b""
        ) -> tuple[list[dict[str, object]], bytes, str]:
            task = [job], transcripts, judges.run
            future = judges.client.submit(grade_on_worker, *task, workers=[worker], pure=False)
            return future.result(timeout=120)  # type: ignore[no-any-return]

        [result], learned, where = grade_on(first)
        assert where == first and pickle.loads(learned)
        [again], relearned, where = grade_on(second, learned)
    assert where == second and pickle.loads(relearned) == [] and again == result
    graded = SubmissionResult.from_dict(result)
    assert graded.gradable and 0 < graded.total < graded.max_total


@SHARED
def test_a_worker_killed_mid_batch_leaves_every_submission_graded_once(
    cluster: LocalCluster, batch: Path, local_run: Path, tmp_path: Path
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
        "--backend",
        "plain",
    ]
    run = subprocess.Popen(
        [*command, "--scheduler", cluster.address],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (out / RECORDS).exists():
        time.sleep(0.05)
    cluster.kill("worker-b")  # mid-batch: its task is run again on worker-a
    output, error = run.communicate(timeout=300)
    assert run.returncode == 0, error
    assert "graded 6 of 6 submission(s)" in output
    assert files(out) == files(local_run)


def test_tasks_hold_several_submissions_but_the_last_ones_few() -> None:
    """A task costs the client, the scheduler and a worker as much as an eighth of a submission:
    tasks hold up to JOBS_PER_TASK submissions, the rest shared out over the tasks in flight, so
    that the batch's end is not one worker grading a long task while the others idle."""
    from convkit.batch.cluster import IN_FLIGHT_PER_THREAD, JOBS_PER_TASK, task_size

    assert JOBS_PER_TASK > 1 and IN_FLIGHT_PER_THREAD == 2
    assert [task_size(remaining, 2) for remaining in (288, 16, 12, 8, 5, 4, 1)] == [
        4,
        4,
        3,
        2,
        2,
        1,
        1,
    ]
    assert task_size(6, 2) == 2  # the batches below: their first task holds two submissions
    assert task_size(64, 16) == 2 and task_size(10, 16) == 1


def test_tasks_keep_the_order_and_a_bound_on_their_bytes() -> None:
    """Jobs go out in order, every one once; a task's submissions hold at most TASK_BYTES together,
    unless one alone is larger (it then travels alone, as it did with one submission per task)."""
    from convkit.batch.cluster import TASK_BYTES, tasks_of
    from convkit.batch.jobs import Job

    sizes = [10, 10, TASK_BYTES, 10, TASK_BYTES // 2, TASK_BYTES // 2, 10] + [10] * 20
    jobs = [
        Job(index, f"s{index}.py", f"s{index}.py", b"x" * size) for index, size in enumerate(sizes)
    ]
    tasks = list(tasks_of(jobs, len(jobs), 2))
    assert [job.index for task in tasks for job in task] == list(range(len(jobs)))
    assert [len(task) for task in tasks][:4] == [2, 1, 2, 4]
    assert all(len(task) == 1 or sum(len(job.data) for job in task) <= TASK_BYTES for task in tasks)
    # no count: one per task
    assert [len(task) for task in tasks_of(jobs[:3], None, 2)] == [
        1,
        1,
        1,
    ]


def test_a_failed_task_costs_only_the_submission_that_fails_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A task of several submissions that fails (its judge raising here; a worker killed over and
    over on a real cluster) is split: each of its submissions is graded again alone, and only the
    one that fails alone is ungradable, as in a local run. An in-process cluster, so that the judge
    can be made to fail."""
    from distributed import LocalCluster as DaskCluster

    from convkit.batch import pool
    from convkit.batch.run import grade_batch
    from convkit.results import GradeStatus
    from convkit.sandbox.backends import choose
    from convkit.settings.assignment import load
    from convkit.settings.limits import GradingConfig

    real = pool.judge
    tried: list[str] = []

    def judge(job, *args):  # type: ignore[no-untyped-def]
        tried.append(job.name)
        if job.name == "s1.py":
            raise RuntimeError("a judge that breaks on this one")
        return real(job, *args)

    monkeypatch.setattr(pool, "judge", judge)
    paths = []
    for index in range(4):
        paths.append(tmp_path / f"s{index}.py")
        paths[-1].write_text(REFERENCE.read_text())
    with DaskCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=":0",
    ) as dask:
        batch = grade_batch(
            paths,
            GradingRun(GradingConfig(), int(SEED), load()),
            choose("plain"),
            progress=False,
            scheduler=dask.scheduler_address,
        )
    statuses = [result.status for result in batch.results]
    assert statuses == [
        GradeStatus.GRADED,
        GradeStatus.UNGRADABLE,
        GradeStatus.GRADED,
        GradeStatus.GRADED,
    ]
    assert "RuntimeError: a judge that breaks on this one" in str(batch.results[1].problem)
    assert tried.count("s0.py") > 1, "s0.py shared s1.py's task, and was graded again alone"


def test_the_rule_for_a_failed_task() -> None:
    """`Cluster.fate`, the README's rule. A task whose worker died grading several submissions, the
    scheduler gave up on, or whose judge raised on several, has each graded again alone; a worker
    dying while grading one alone counts against it, and the second death grades it 0; a judge
    raising on one in a task of its own, or a third task given up, makes it ungradable."""
    from distributed import KilledWorker

    from convkit.batch.cluster import Attempt, Cluster
    from convkit.batch.jobs import Job
    from convkit.sandbox.backends import choose
    from convkit.settings.assignment import load
    from convkit.settings.limits import GradingConfig

    judges = Cluster("tcp://127.0.0.1:1", choose("plain"), GradingRun(GradingConfig(), 1, load()))
    judges.client = SimpleNamespace(get_events=lambda topic: ())  # no nanny restarted a worker
    first, second = (Job(i, f"s{i}.py", f"s{i}.py", REFERENCE.read_bytes()) for i in (0, 1))
    shared, alone = (Attempt("tcp://w:1", a, None, "plain", "uid only") for a in (False, True))
    assert judges.fate(first, shared, True) is judges.fate(first, alone, False) is None
    zero = judges.fate(first, alone, False)
    assert zero is not None and zero.gradable and zero.total == 0 and zero.isolation == "uid only"
    died = "2 times, a Dask worker grading it and nothing else died before it finished"
    failure = Failure("the grader's worker died", f"the grader's worker died grading it: {died}")
    assert {c.failure for q in zero.questions for c in q.checks} == {failure}
    given_up = KilledWorker("a-task", SimpleNamespace(address="tcp://w:1"), 3)
    assert judges.fate(second, given_up, True) is judges.fate(second, given_up, False) is None
    assert judges.fate(second, RuntimeError("a bug"), True) is None
    for error in (given_up, RuntimeError("a bug")):
        result = judges.fate(second, error, False)
        told = f"its task failed on the Dask cluster ({type(error).__name__}: "
        assert result is not None and not result.gradable and str(result.problem).startswith(told)


def test_a_task_graded_alone_takes_every_slot_of_its_worker() -> None:
    """So that its worker's judge grades nothing else: another task waits for a slot meanwhile."""
    from convkit.batch.cluster import JudgePlugin
    from convkit.sandbox.backends import choose
    from convkit.settings.limits import GradingConfig

    plugin = JudgePlugin(choose("plain"), GradingRun(GradingConfig(), 1))
    plugin.slots = [SimpleNamespace(name="a"), SimpleNamespace(name="b")]  # type: ignore[list-item]
    for slot in plugin.slots:
        plugin.free.put(slot)
    taken: list[object] = []

    def take_one() -> None:
        with plugin.lent(every=False) as slots:
            taken.extend(slots)

    other = threading.Thread(target=take_one)
    with plugin.lent(every=True) as slots:
        assert slots == plugin.slots
        other.start()
        other.join(0.3)
        assert other.is_alive() and not taken
    other.join(10)
    assert len(taken) == 1


POISONED = ("--memory-limit", "1GiB", "--preload", str(REPO / "tests" / "cluster_poison.py"))
"""Workers whose judge runs out of memory on POISON; nannies restart them past 95% of 1 GiB."""


def by_submission(out: Path) -> dict[str, tuple[dict[str, str], tuple[bytes, ...]]]:
    """A run's grades.csv row, results.json and feedback.md, by submission."""
    found = {}
    for row in csv.DictReader((out / "grades.csv").open()):
        folder = out / row["submission"]
        written = ((folder / name).read_bytes() for name in ("results.json", "feedback.md"))
        found[row["submission"]] = (row, tuple(written))
    return found


def test_a_submission_that_kills_its_workers_is_graded_0_and_costs_no_other(tmp_path: Path) -> None:
    """A judge that runs out of memory grading one file kills each worker grading it (simulated:
    tests/cluster_poison.py). The task it shares with a wrong answer is split, it is graded 0 with
    the reason once workers died grading it alone twice, and every other file, sharing its task or
    queued beside it, is graded as in a local run, which exits 0 as this one does. Three deaths:
    the scheduler's own rule (a task is given up after four) never applies."""
    from distributed import Client

    from convkit.batch.cluster import LEDGER

    folder = tmp_path / "subs"
    folder.mkdir()
    right, stub = REFERENCE.read_text(), STUBS.read_text()
    transposed, doubled = (right.replace("return Y", f"return {y}", 1) for y in ("Y.T", "2 * Y"))
    texts = [right, transposed, stub, f"{right}\n{POISON.decode()}\n", doubled, right, transposed]
    for index, text in enumerate(texts):  # tasks: s0 and s1, s2 and the poison s3, then one each
        (folder / f"s{index}.py").write_text(text)
    grade = ("grade", folder, "--seed", SEED, "--backend", "plain", "--out")
    local = convkit(*grade, tmp_path / "local", "--jobs", "2")
    poisoned = LocalCluster(tmp_path, options=POISONED)
    try:
        poisoned.up()
        done = convkit(*grade, tmp_path / "out", "--scheduler", poisoned.address)
        with Client(poisoned.address, timeout=30) as client:
            restarts = client.get_events("worker-restart-memory")
            ledgers = client.get_metadata([LEDGER], None)
    finally:
        poisoned.down()
    assert done.returncode == local.returncode == 0, done.stderr
    assert len(restarts) == 3
    assert ledgers == {}  # the batch dropped its ledger as it ended
    graded, expected = by_submission(tmp_path / "out"), by_submission(tmp_path / "local")
    del graded["s3.py"], expected["s3.py"]
    assert graded == expected and len(graded) == 6
    records = (json.loads(line) for line in (tmp_path / "out" / RECORDS).read_text().splitlines())
    [poison] = [SubmissionResult.from_dict(r["result"]) for r in records if r["name"] == "s3.py"]
    assert poison.gradable and poison.total == 0
    details = {c.failure.detail for q in poison.questions for c in q.checks if c.failure}
    assert len(details) == 1 and re.fullmatch(
        r"the grader ran out of memory grading it: 2 times, a Dask worker grading it and nothing "
        r"else went past its memory limit \(\S+ [GM]iB used of 1\.00 GiB\) and was restarted",
        details.pop(),
    )


def test_an_unreachable_scheduler_is_one_line(tmp_path: Path) -> None:
    done = convkit(
        "grade",
        REFERENCE,
        "--out",
        tmp_path / "out",
        "--seed",
        "1",
        "--scheduler",
        f"tcp://127.0.0.1:{free_port()}",
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        "convkit grade: cannot reach the Dask scheduler at tcp://127.0.0.1:"
    )
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_a_server_that_is_not_dask_is_one_line(tmp_path: Path) -> None:
    """Something that accepts connections but never speaks Dask (the dashboard's port, pasted by
    mistake) made Client wait forever."""
    import socket
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    listening = threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True)
    listening.start()
    try:
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        done = convkit(
            "grade", REFERENCE, "--out", tmp_path / "out", "--seed", "1", "--scheduler", address
        )
    finally:
        server.close()
        for connection in accepted:
            connection.close()
    assert done.returncode == 2, done.stderr
    assert (
        done.stderr
        == f"convkit grade: cannot reach the Dask scheduler at {address} (no answer as a Dask "
        "scheduler in 12 s); is `dask scheduler` running there?\n"
    )


def test_a_malformed_address_is_one_line(tmp_path: Path) -> None:
    done = convkit(
        "grade",
        REFERENCE,
        "--out",
        tmp_path / "out",
        "--seed",
        "1",
        "--scheduler",
        "not an address",
    )
    assert done.returncode == 2, done.stderr
    assert (
        done.stderr
        == "convkit grade: --scheduler not an address is not a Dask address (missing port number "
        "in address 'not an address'); write it as tcp://HOST:PORT\n"
    )
    assert not (tmp_path / "out").exists()


def test_dask_is_an_optional_extra() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert {"dask", "distributed"} <= {
        re.split(r"[<>=\[]", item)[0] for item in project["optional-dependencies"]["cluster"]
    }
    assert not any("dask" in item or "distributed" in item for item in project["dependencies"])


def wait_for_a_result(out: Path, run: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None and not (out / RECORDS).exists():
        time.sleep(0.05)
    assert (out / RECORDS).exists(), run.communicate(timeout=60)


@SHARED
def test_a_lost_scheduler_stops_the_batch_in_one_line_and_resume_finishes_it(
    batch: Path, local_run: Path, tmp_path: Path
) -> None:
    """Dask cancels a client's tasks when it loses the scheduler, and none completes once it gives
    up: the batch once waited forever. It stops at once, keeps what was graded, and --resume grades
    the rest (here locally)."""
    lonely = LocalCluster(tmp_path, workers=("worker-a",))
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
        "--backend",
        "plain",
    ]
    try:
        lonely.up()
        run = subprocess.Popen(
            [*command, "--scheduler", lonely.address],
            cwd=tmp_path,
            stderr=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for_a_result(out, run)
            lonely.kill("scheduler")
            _, error = run.communicate(timeout=60)
        finally:
            run.kill()
    finally:
        lonely.down()
    assert run.returncode == 2, error
    told = [line for line in error.splitlines() if not line.startswith("grading")]
    assert told == [
        f"convkit grade: lost the connection to the Dask scheduler at {lonely.address}; what was "
        f"graded is in {out}; "
        "run the same command with --resume to finish"
    ]
    resumed = subprocess.run(
        [*command, "--resume", "--jobs", "2"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert files(out) == files(local_run)


def test_a_cluster_left_without_workers_stops_the_batch(
    batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tasks wait for a worker forever; the batch waits WORKERLESS_TIMEOUT seconds for one, then
    stops."""
    from convkit.batch import cluster
    from convkit.batch.run import grade_batch
    from convkit.errors import ClusterError
    from convkit.sandbox.backends import choose
    from convkit.settings.limits import GradingConfig

    monkeypatch.setattr(cluster, "WORKERLESS_TIMEOUT", 2)
    lonely = LocalCluster(tmp_path, workers=("worker-a",))
    graded: list[int] = []
    stopped: list[str] = []

    def kill_the_worker(index: int, result: object) -> None:
        graded.append(index)
        if len(graded) == 1:
            lonely.kill("worker-a")

    def grade() -> None:
        paths = sorted(batch.iterdir())
        try:
            grade_batch(
                paths,
                GradingRun(GradingConfig(), int(SEED)),
                choose("plain"),
                progress=False,
                on_result=kill_the_worker,
                scheduler=lonely.address,
            )
        except ClusterError as error:
            stopped.append(str(error))

    try:
        lonely.up()
        # a regression would wait forever: the test must not
        thread = threading.Thread(target=grade, daemon=True)
        thread.start()
        thread.join(120)
    finally:
        lonely.down()
    assert stopped == [f"the Dask scheduler at {lonely.address} has had no workers for 2 s"]
    assert 1 <= len(graded) < 6
