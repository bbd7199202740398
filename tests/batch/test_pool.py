"""One judge process per job: a judge that dies costs only the submission it was grading, and is
replaced."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from convkit.batch.jobs import read_job
from convkit.batch.pool import LocalPool
from convkit.results import GradeStatus
from convkit.sandbox.backends import choose
from convkit.settings.assignment import AssignmentConfig
from convkit.settings.limits import GradingConfig
from convkit.settings.run import GradingRun
from tests.conftest import REFERENCE

pytestmark = pytest.mark.xdist_group("pool")


def test_a_judge_that_dies_costs_only_its_submission(tmp_path: Path) -> None:
    paths = []
    for name, extra in (
        ("slow.py", "import time\ntime.sleep(4)\n"),
        ("a.py", ""),
        ("b.py", ""),
        ("c.py", ""),
    ):
        paths.append(tmp_path / name)
        paths[-1].write_text(REFERENCE.read_text() + "\n" + extra)
    killed: list[int] = []
    with LocalPool(
        2, choose("plain"), GradingRun(GradingConfig(jobs=2), 3, AssignmentConfig())
    ) as pool:

        def kill_the_slow_ones_judge() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not killed:
                for judge in pool.judges:
                    if judge.job is not None and judge.job.name == "slow.py":
                        time.sleep(0.5)  # it is now loading the submission
                        os.kill(judge.process.pid, signal.SIGKILL)
                        killed.append(judge.process.pid)
                        return
                time.sleep(0.02)

        killer = threading.Thread(target=kill_the_slow_ones_judge)
        killer.start()
        results = dict(pool.results(read_job(index, path) for index, path in enumerate(paths)))
        killer.join()
        alive = [judge.process.pid for judge in pool.judges]
    assert killed and killed[0] not in alive, "the dead judge was replaced"
    assert sorted(results) == [0, 1, 2, 3]
    slow = results[0]
    assert (
        slow.status is GradeStatus.UNGRADABLE
        and slow.problem == "the judge process grading it ended (exit code -9)"
    )
    assert [results[index].total for index in (1, 2, 3)] == [35.0, 35.0, 35.0]
    assert pool.usage.judge > 0 and pool.usage.sandbox > 0


def test_a_pool_asks_every_judge_to_stop_before_waiting_for_any() -> None:
    """Each judge closes its sandbox as it stops (its zygote reaps and exits): asked one after
    another and waited for in between, sixteen judges would stop in sixteen times one's time."""
    from convkit.batch.pool import Usage

    calls: list[str] = []

    class Judge:
        def __init__(self, name: str) -> None:
            self.name = name

        def ask_to_stop(self) -> None:
            calls.append(f"ask {self.name}")

        def stopped(self) -> Usage:
            calls.append(f"wait {self.name}")
            return Usage(1.0, 2.0)

    pool = LocalPool(2, choose("plain"), GradingRun(GradingConfig(jobs=2), 3, AssignmentConfig()))
    pool.judges = [Judge("a"), Judge("b")]  # type: ignore[list-item]
    pool.__exit__(None, None, None)
    assert calls == ["ask a", "ask b", "wait a", "wait b"]
    assert (pool.usage.judge, pool.usage.sandbox) == (2.0, 4.0)


def test_a_judge_that_cannot_be_replaced_keeps_the_lost_result_and_leaves_no_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dead judge's submission is handed on (ungradable) before its replacement starts; a
    replacement that cannot start is stopped, and the batch stops with the reason."""
    from convkit.batch.pool import JudgeProcess
    from convkit.errors import SandboxError

    paths = []
    for name, extra in (("slow.py", "import time\ntime.sleep(4)\n"), ("a.py", "")):
        paths.append(tmp_path / name)
        paths[-1].write_text(REFERENCE.read_text() + "\n" + extra)
    fresh: list[JudgeProcess] = []
    got = []
    with LocalPool(
        2, choose("plain"), GradingRun(GradingConfig(jobs=2), 3, AssignmentConfig())
    ) as pool:

        def fail(self: JudgeProcess) -> None:
            fresh.append(self)
            raise SandboxError("no sandbox today")

        monkeypatch.setattr(JudgeProcess, "ready", fail)
        results = pool.results(read_job(index, path) for index, path in enumerate(paths))
        with pytest.raises(SandboxError, match="no sandbox today"):
            for index, result in results:
                got.append((index, result.status))
                if index == 1:  # a.py is done: slow.py's judge is loading it
                    time.sleep(0.5)
                    slow = next(judge for judge in pool.judges if judge.job is not None)
                    os.kill(slow.process.pid, signal.SIGKILL)
    assert sorted(got) == [(0, GradeStatus.UNGRADABLE), (1, GradeStatus.GRADED)]
    assert len(fresh) == 1 and not fresh[0].process.is_alive()


LAUNCH_SPY = """
import json, sys
from convkit.sandbox.slot import Slot
launches, spawned_by = [], []
launch, spawn = Slot.launch, Slot.spawn

def spy_launch(self):
    launch(self)
    launches.append({"torch": "torch" in sys.modules, "pid": self.process.pid})

def spy_spawn(self, *args):
    spawned_by.append(self.process.pid)
    return spawn(self, *args)

Slot.launch, Slot.spawn = spy_launch, spy_spawn
from convkit.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "launches": launches, "spawned_by": sorted(set(spawned_by))}))
"""


def test_convkit_grade_launches_the_sandbox_of_a_one_process_batch_before_importing_torch(
    tmp_path: Path,
) -> None:
    """The sandbox imports torch while convkit grade does (a second each, one after the other
    before): the slot is launched before the judge's modules are imported, and the judge grades with
    that slot."""
    out = tmp_path / "out"
    args = ["grade", str(REFERENCE), "--out", str(out), "--jobs", "1", "--backend", "plain"]
    args += ["--seed", "1"]
    done = subprocess.run(
        [sys.executable, "-c", LAUNCH_SPY, *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["code"] == 0 and (out / "grades.csv").is_file()
    assert seen["launches"][0]["torch"] is False, (
        "torch was imported before the sandbox was launched"
    )
    assert len(seen["launches"]) == 1 and seen["spawned_by"] == [seen["launches"][0]["pid"]]


def test_a_launched_slot_that_cannot_start_gives_way_to_the_plain_fallback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A slot launched early for bubblewrap that `auto` picked, which cannot start, is closed; the
    judge then grades with the plain sandbox and says so, as it does without launching early."""
    from convkit.batch.pool import InlineJudge
    from convkit.sandbox.backends import Backend
    from convkit.sandbox.slot import early_slot

    command = Backend.command
    broken = [sys.executable, "-c", "import sys; sys.exit('no user namespaces here')"]
    monkeypatch.setattr(
        Backend,
        "command",
        lambda self, *args: broken if self.name == "bwrap" else command(self, *args),
    )
    bwrap = Backend("bwrap", chosen=False)
    launched = early_slot(bwrap, GradingConfig(jobs=1))
    assert launched is not None
    with InlineJudge(
        bwrap, GradingRun(GradingConfig(jobs=1), 3, AssignmentConfig()), launched
    ) as judge:
        assert judge.backend.name == "plain" and judge.slot is not launched
        assert judge.warning is not None and "no user namespaces here" in judge.warning
        assert launched.process is None and launched.control is None


def test_a_judge_whose_parent_has_gone_ends_quietly() -> None:
    """A run stopped while its judges start closes their pipes: a judge that then reports its slot
    ready ends without a traceback (multiprocessing prints one and exits 1 for any exception
    left)."""
    from convkit.batch.forkserver import CONTEXT
    from convkit.batch.pool import judge_process

    parent, child = CONTEXT.Pipe()
    process = CONTEXT.Process(
        target=judge_process,
        args=(child, choose("plain"), GradingRun(GradingConfig(jobs=1), 3, AssignmentConfig())),
    )
    process.start()
    child.close()
    parent.close()
    process.join(60)
    assert process.exitcode == 0
