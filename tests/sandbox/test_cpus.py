"""CPU claims: each slot runs on a CPU of its own (its zygote, its workers and the judge grading
with it), claims are exclusive across processes, and a process that dies frees its CPU."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from convkit.batch import pool
from convkit.sandbox import backends, cpus
from convkit.sandbox.backends import Backend
from convkit.sandbox.cpus import CpuClaim, preferred
from convkit.sandbox.slot import Slot
from convkit.settings.limits import GradingConfig
from convkit.settings.run import GradingRun

CPUS = os.sched_getaffinity(0)
CLAIM = """
import sys, time
from convkit.sandbox.cpus import CpuClaim
claim = CpuClaim(sys.argv[1])
print(claim.value, flush=True)
time.sleep(60)
"""


@pytest.fixture
def private_claims(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Claims of this test alone: never those of the other test processes, or of a grading run
    beside them."""
    directory = tmp_path / "cpus"
    monkeypatch.setattr(cpus, "CPU_LOCK_DIR", str(directory))
    return directory


def siblings(tmp_path: Path, lists: dict[int, str]) -> Path:
    for cpu, text in lists.items():
        (tmp_path / f"cpu{cpu}" / "topology").mkdir(parents=True)
        (tmp_path / f"cpu{cpu}" / "topology" / "thread_siblings_list").write_text(text + "\n")
    return tmp_path


def test_slots_fill_cores_before_sharing_one(tmp_path: Path) -> None:
    numbered_apart = siblings(tmp_path / "a", {0: "0,2", 1: "1,3", 2: "0,2", 3: "1,3"})
    numbered_together = siblings(tmp_path / "b", {0: "0-1", 1: "0-1", 2: "2-3", 3: "2-3"})
    assert preferred({0, 1, 2, 3}, numbered_apart) == [0, 1, 2, 3]
    assert preferred({0, 1, 2, 3}, numbered_together) == [0, 2, 1, 3]
    assert preferred({3, 1}, tmp_path / "missing") == [1, 3]


def test_claims_are_exclusive_and_run_out(
    private_claims: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _: {0, 1, 2})
    claims = [CpuClaim() for _ in range(4)]
    assert sorted(claim.value for claim in claims[:3]) == [0, 1, 2]  # type: ignore[type-var]
    assert claims[3].value is None
    freed = claims[1].value
    claims[1].release()
    assert CpuClaim().value == freed


def test_a_dead_process_frees_its_cpu(private_claims: Path) -> None:
    if len(CPUS) < 2:
        assert CpuClaim().value is None  # one CPU: nothing to choose, so nothing is pinned
        return
    private_claims.mkdir(mode=0o700)
    holder = subprocess.Popen(
        [sys.executable, "-c", CLAIM, str(private_claims)], stdout=subprocess.PIPE, text=True
    )
    try:
        held = int(holder.stdout.readline())  # type: ignore[union-attr]
        mine = CpuClaim()
        assert mine.value is not None and mine.value != held
        mine.release()
    finally:
        holder.kill()
        holder.wait()
    taken = [CpuClaim() for _ in CPUS]
    assert held in {claim.value for claim in taken}


def test_pinned_runs_the_caller_on_its_cpu_then_where_it_ran(private_claims: Path) -> None:
    claim = CpuClaim()
    before = os.sched_getaffinity(0)
    with claim.pinned():
        inside = os.sched_getaffinity(0)
    assert os.sched_getaffinity(0) == before
    assert inside == ({claim.value} if len(CPUS) > 1 else before)


def test_a_slot_its_workers_and_its_judge_run_on_its_cpu(
    private_claims: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[set[int]] = []

    def grade(*_: object) -> SimpleNamespace:
        seen.append(os.sched_getaffinity(0))
        return SimpleNamespace(to_dict=dict)

    monkeypatch.setattr(pool, "grade", grade)
    before = os.sched_getaffinity(0)
    with Slot(Backend("plain"), GradingConfig()) as slot:
        assert slot.cpu is not None and slot.process is not None
        expected = {slot.cpu.value} if len(CPUS) > 1 else before
        assert os.sched_getaffinity(slot.process.pid) == expected
        channel = slot.spawn()
        try:
            workers = [
                int(pid)
                for pid in Path(f"/proc/{slot.process.pid}/task/{slot.process.pid}/children")
                .read_text()
                .split()
            ]
            assert workers and all(os.sched_getaffinity(pid) == expected for pid in workers)
        finally:
            channel.close()
            slot.reap()
        pool.judge(SimpleNamespace(submission=lambda: None), slot, GradingRun(GradingConfig(), 1))  # type: ignore[arg-type]
    assert seen == [expected]
    assert os.sched_getaffinity(0) == before


def test_a_zygote_restarted_mid_grading_runs_on_the_slots_cpu(private_claims: Path) -> None:
    with Slot(Backend("plain"), GradingConfig()) as slot, slot.pinned():  # as a judge grades
        assert slot.cpu is not None and slot.process is not None
        claimed = slot.cpu.value
        os.kill(slot.process.pid, signal.SIGKILL)
        slot.process.wait()
        slot.spawn().close()  # restarts the zygote
        slot.reap()
        assert slot.cpu.value == claimed
        assert os.sched_getaffinity(slot.process.pid) == ({claimed} if len(CPUS) > 1 else CPUS)


def test_a_lock_that_cannot_be_taken_leaves_the_slot_unpinned(
    private_claims: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_locks(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "no locks available")

    monkeypatch.setattr(backends.fcntl, "flock", no_locks)
    before = len(os.listdir("/proc/self/fd"))
    assert CpuClaim().value is None
    assert len(os.listdir("/proc/self/fd")) == before  # the lock file's descriptor was closed
