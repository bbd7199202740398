"""Judges on this machine: one per job, each a process of its own with its own sandbox slot.

The checks, the oracle and reply decoding are Python: judges that share one interpreter share one
lock, so `--jobs N` runs N judge processes (forked from a server that has imported torch once) and
the parent only hands out jobs, collects results as plain dictionaries, and passes each judge's
transcripts of checks to the others with their next jobs (`convkit.sandbox.replay`). At `--jobs 1`
the one judge runs in convkit's own process. Either way, every result is rebuilt from its
dictionary, so the output cannot depend on where it was graded.
"""

from __future__ import annotations

import resource
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from types import TracebackType
from typing import Any, TypeVar

from convkit.batch.forkserver import CONTEXT, start_early
from convkit.batch.jobs import Job
from convkit.errors import SandboxError
from convkit.grading.engine import grade, ungradable
from convkit.results import SubmissionResult
from convkit.sandbox import replay
from convkit.sandbox.backends import Backend, candidates, short_of
from convkit.sandbox.slot import START_TIMEOUT, Slot
from convkit.settings.limits import GradingConfig
from convkit.settings.run import GradingRun

STOP_TIMEOUT = 10

T = TypeVar("T")


@dataclass
class Usage:
    """CPU seconds spent grading: by the judges (checks, oracle, decoding) and by their sandboxes
    (zygotes and workers: the students' code). Benchmarks report them per submission."""

    judge: float = 0.0
    sandbox: float = 0.0

    def add(self, other: Usage) -> None:
        self.judge += other.judge
        self.sandbox += other.sandbox


def cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def with_fallback(start: Callable[[Backend], T], backend: Backend) -> tuple[T, Backend, str | None]:
    """Start judges on `backend`. One that `auto` picked but that cannot start here gives way to the
    next of `candidates` that can, with a warning naming what could not start; a backend the user
    named never does (SandboxError), and none below the course's floor is tried."""
    tried: list[str] = []
    for candidate in candidates(backend):
        why = candidate.unavailable() if candidate != backend else None
        if why is None:
            try:
                started = start(candidate)
            except SandboxError as error:
                if backend.chosen:
                    raise
                why = str(error)
            else:
                instead = (
                    f"; graded with the {candidate.name} sandbox instead (isolation "
                    f"{candidate.expected})"
                )
                return started, candidate, "; ".join(tried) + instead if tried else None
        tried.append(f"{candidate.name} could not start here ({why})")
    raise SandboxError(
        f"no sandbox gives the course's least isolation ({backend.floor}) here: "
        f"{'; '.join(tried)}{short_of(backend.floor)}"
    )


def start_slots(
    backend: Backend,
    config: GradingConfig,
    count: int,
    seed: int | None = None,
    launched: Slot | None = None,
) -> list[Slot]:
    """A judge's started slots (all of them, or none: SandboxError), `launched` among them where it
    is of `backend` (`Slot.launch`). All are launched before any is waited for, so that their
    sandboxes import torch together, while the judge imports it too and plans its checks for `seed`,
    where it is known (`replay.Plans.plan_all`). The judge's tensors are tiny, so torch gets one
    thread: more would only compete with the sandboxes for cores."""
    slots: list[Slot] = []
    planning: threading.Thread | None = None
    try:
        if launched is not None and launched.backend == backend:
            slots.append(launched)
        while len(slots) < count:
            slots.append(Slot(backend, config))
            slots[-1].launch()
        import torch

        torch.set_num_threads(1)
        if seed is not None:
            planning = threading.Thread(
                target=replay.PLANS.plan_all, args=(seed,), name="convkit-planning"
            )
            planning.start()
        for slot in slots:
            slot.ready()
    except BaseException:
        for slot in slots:
            slot.close()
        raise
    finally:
        if planning is not None:
            planning.join()
    return slots


def judge(job: Job, slot: Slot, run: GradingRun) -> dict[str, Any]:
    """Grade one job in `slot`, on its CPU: the result as the plain data every judge hands back,
    wherever it runs."""
    submission = job.submission()
    with slot.pinned():
        return grade(submission, slot, run).to_dict()


class InlineJudge:
    """One judge in this process (`--jobs 1`, and the otter plugin on Gradescope)."""

    def __init__(self, backend: Backend, run: GradingRun, launched: Slot | None = None) -> None:
        self.requested, self.run = backend, run
        self.launched = launched
        """A slot its caller launched early (`grade_batch`), taken as this judge's."""
        self.slot: Slot | None = None
        self.usage = Usage()
        self.warning: str | None = None

    def __enter__(self) -> InlineJudge:
        self.start_cpu = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
        self.slot, self.backend, self.warning = with_fallback(
            lambda backend: start_slots(backend, self.run.config, 1, self.run.seed, self.launched)[
                0
            ],
            self.requested,
        )
        return self

    def results(self, jobs: Iterable[Job]) -> Iterator[tuple[int, SubmissionResult]]:
        assert self.slot is not None
        for job in jobs:
            yield job.index, SubmissionResult.from_dict(judge(job, self.slot, self.run))

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.slot is not None:
            self.slot.close()
        self.usage = Usage(
            cpu(resource.RUSAGE_SELF) - self.start_cpu[0],
            cpu(resource.RUSAGE_CHILDREN) - self.start_cpu[1],
        )


class JudgeProcess:
    """A judge in a process of its own, talked to over a pipe: a job in, a result's dictionary
    out."""

    def __init__(self, backend: Backend, run: GradingRun) -> None:
        self.conn, child = CONTEXT.Pipe()
        start_early()  # does nothing once the server runs; else starts it as `convkit grade` does
        self.process = CONTEXT.Process(
            target=judge_process, args=(child, backend, run), daemon=True, name="convkit-judge"
        )
        self.process.start()
        child.close()
        self.isolation: str | None = None
        """Set once its slot has started."""
        self.job: Job | None = None
        """The job it is grading."""
        self.asked = False
        """Asked to stop (rather than ended)."""

    def ready(self) -> None:
        """Wait for the judge's slot to start (raises SandboxError with the judge's reason)."""
        try:
            reply = (
                self.conn.recv()
                if self.conn.poll(START_TIMEOUT)
                else {"failed": f"a judge did not start in {START_TIMEOUT} s"}
            )
        except (EOFError, OSError):
            self.process.join(STOP_TIMEOUT)
            reply = {
                "failed": "a judge process ended while starting (exit code "
                f"{self.process.exitcode})"
            }
        if "failed" in reply:
            raise SandboxError(reply["failed"])
        self.isolation = reply["ready"]

    def send(self, job: Job, learned: list[replay.Learned]) -> None:
        """A job, with the transcripts other judges learned since its last one
        (`convkit.sandbox.replay`)."""
        self.conn.send((job, learned))
        self.job = job

    def receive(self) -> tuple[dict[str, Any], list[replay.Learned]]:
        """A result's dictionary, and the transcripts this judge learned grading it."""
        reply: tuple[dict[str, Any], list[replay.Learned]] = self.conn.recv()
        self.job = None
        return reply

    def stop(self) -> Usage:
        """Stop the judge (`ask_to_stop`, then `stopped`)."""
        self.ask_to_stop()
        return self.stopped()

    def ask_to_stop(self) -> None:
        """An idle judge is asked to close its slot and exit; one that is starting or grading is
        ended at once (SIGTERM: it closes its slot on the way out). A pool asks all its judges
        first, so that they stop at once."""
        if self.isolation is not None and self.job is None:
            try:
                self.conn.send(None)
                self.asked = True
                return
            except OSError:
                pass
        self.process.terminate()

    def stopped(self) -> Usage:
        """Wait for a judge asked to stop, and what CPU it used (zero for one that was ended)."""
        usage = Usage()
        if self.asked:
            try:
                if self.conn.poll(STOP_TIMEOUT):
                    usage = Usage(**self.conn.recv()["usage"])
            except (OSError, EOFError):
                pass
        self.conn.close()
        self.process.join(STOP_TIMEOUT)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        return usage


def judge_process(conn: Connection, backend: Backend, run: GradingRun) -> None:
    """A judge process's life: start a slot, grade each job sent, close the slot on None, EOF or
    SIGTERM. A parent that has gone (stopped while this judge started) ends it quietly: nobody is
    left to tell."""
    # Ctrl-C is the parent's to handle: it stops the judges
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        [slot] = start_slots(backend, run.config, 1, run.seed)
    except SandboxError as error:
        tell(conn, {"failed": str(error)})
        return
    replay.PLANS.share()
    try:
        if not tell(conn, {"ready": str(slot.isolation)}):
            return
        while (message := next_job(conn)) is not None:
            job, learned = message
            replay.PLANS.adopt(learned)
            if not tell(conn, (judge(job, slot, run), replay.PLANS.learned())):
                return
        slot.close()  # first, so that the sandbox's CPU time is counted
        tell(
            conn,
            {
                "usage": {
                    "judge": cpu(resource.RUSAGE_SELF),
                    "sandbox": cpu(resource.RUSAGE_CHILDREN),
                }
            },
        )
    finally:
        slot.close()


def tell(conn: Connection, message: object) -> bool:
    """Send to the parent; False if it has gone."""
    try:
        conn.send(message)
    except (BrokenPipeError, ConnectionResetError):
        return False
    return True


def next_job(conn: Connection) -> tuple[Job, list[replay.Learned]] | None:
    try:
        return conn.recv()
    except (EOFError, ConnectionResetError):
        return None


class LocalPool:
    """`count` judge processes; a judge that dies costs only the submission it was grading
    (ungradable, with the reason) and is replaced."""

    def __init__(self, count: int, backend: Backend, run: GradingRun) -> None:
        self.count, self.requested, self.run = count, backend, run
        self.judges: list[JudgeProcess] = []
        self.usage = Usage()
        self.warning: str | None = None

    def __enter__(self) -> LocalPool:
        self.judges, self.backend, self.warning = with_fallback(self.start, self.requested)
        return self

    def start(self, backend: Backend) -> list[JudgeProcess]:
        judges: list[JudgeProcess] = []
        try:
            for _ in range(self.count):
                judges.append(JudgeProcess(backend, self.run))
            for judge in judges:
                judge.ready()
        except BaseException:
            stop_all(judges)
            raise
        return judges

    def results(self, jobs: Iterable[Job]) -> Iterator[tuple[int, SubmissionResult]]:
        pending = iter(jobs)
        busy: dict[Any, tuple[JudgeProcess, Job]] = {}
        exchange = replay.Exchange()

        def feed(judge: JudgeProcess) -> None:
            job = next(pending, None)
            if job is not None:
                judge.send(job, exchange.take(judge, self.judges))
                busy[judge.conn] = (judge, job)

        for judge in self.judges:
            feed(judge)
        while busy:
            for conn in wait(list(busy)):
                judge, job = busy.pop(conn)
                try:
                    reply, found = judge.receive()
                except (EOFError, OSError):
                    # first: kept even if no judge can replace it
                    yield (
                        job.index,
                        self.lost(judge, job),
                    )
                    feed(self.replace(judge))
                    continue
                exchange.add(judge, found)
                # before the result is handed on (and written): the judge grades meanwhile
                feed(judge)
                yield job.index, SubmissionResult.from_dict(reply)

    def lost(self, judge: JudgeProcess, job: Job) -> SubmissionResult:
        judge.process.join(STOP_TIMEOUT)
        problem = f"the judge process grading it ended (exit code {judge.process.exitcode})"
        return ungradable(
            job.submission(),
            problem,
            seed=self.run.seed,
            backend=self.backend.name,
            isolation=str(judge.isolation),
        )

    def replace(self, dead: JudgeProcess) -> JudgeProcess:
        dead.stop()
        fresh = JudgeProcess(self.backend, self.run)
        try:
            fresh.ready()
        except BaseException:
            fresh.stop()
            raise
        self.judges[self.judges.index(dead)] = fresh
        return fresh

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.usage.add(stop_all(self.judges))


def stop_all(judges: list[JudgeProcess]) -> Usage:
    """Stop every judge, all asked before any is waited for (each closes its sandbox on the way
    out); the CPU they used."""
    for judge in judges:
        judge.ask_to_stop()
    usage = Usage()
    for judge in judges:
        usage.add(judge.stopped())
    return usage
