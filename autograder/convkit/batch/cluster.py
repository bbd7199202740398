"""Judges on a Dask cluster (`convkit grade --scheduler ADDRESS`, the `convkit[cluster]` extra).

Each Dask worker runs convkit's judge: a worker plugin, started once per worker, keeps one warm
sandbox slot per worker thread. Submissions travel as tasks holding their bytes, a few per task
(workers need no shared file system), and come back as results' dictionaries, which this client
writes exactly as a local run does. A task that fails is split: its submissions are graded again
alone, and one is graded 0 only where workers die grading it alone (`Cluster.fate`); each submission
is written once. Start workers with one thread each (`dask worker ADDRESS --nthreads 1 --nworkers N
--preload convkit.batch.cluster`): judges that share a process share its interpreter lock, and the
preload imports the judge as the worker starts rather than when the first batch's plugin arrives.

This module itself imports neither torch nor the checks: the scheduler unpickles every task, and so
imports the module of the task's function. It did import them, which held up a fresh scheduler's
first tasks by the 0.8 s of an `import torch`, and made a scheduler need torch.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import queue
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from itertools import islice
from types import TracebackType
from typing import TYPE_CHECKING, Any

from dask.utils import format_bytes
from distributed import Client, KilledWorker, WorkerPlugin, as_completed, get_worker
from distributed.client import FutureCancelledError
from distributed.comm import connect
from distributed.comm.addressing import get_address_host_port

from convkit.batch.jobs import Job
from convkit.errors import ClusterError, SandboxError
from convkit.results import Failure, SubmissionResult
from convkit.settings.run import GradingRun

if TYPE_CHECKING:
    from dask.typing import Key

    from convkit.sandbox.backends import Backend
    from convkit.sandbox.slot import Slot

PLUGIN = "convkit-judge"
Graded = tuple[list[dict[str, Any]], bytes, str]
"""What a task that graded gives: its results as plain data, the transcripts learned, its worker."""
CONNECT_TIMEOUT = 10
WORKERS_TIMEOUT = 60
IN_FLIGHT_PER_THREAD = 2
"""Tasks handed to the scheduler ahead of the results, per worker thread: enough to keep every
worker busy, few enough that a course's whole batch never sits in the client's and the scheduler's
memory at once."""
JOBS_PER_TASK = 4
"""Submissions per task at most. A task costs the client, the scheduler and the worker about 15 ms
of CPU together (2 cores, 2 workers), an eighth of a submission's grading; four per task made a
batch of 288 4%-10% faster. A worker lost mid-task costs its task's submissions a regrade, and the
results of a task come together; a task that fails is split, so that only a submission that fails
alone is graded 0 or ungradable."""
TASK_BYTES = 1 << 20
"""A task's submissions together hold at most this (or a single submission, whatever its size): what
is in flight stays within what one submission per task could hold."""
RETRIES = 2
"""Runs again of a task whose judge raised (Dask's `retries`; a dead worker is not one)."""
LEDGER = "convkit-judge"
"""The scheduler's metadata (`Client.set_metadata`) where a task's attempt says it is grading,
until it has graded. Dask runs a task again when its worker dies, whether the task was running or
waiting there; the next attempt finds the record of one that died grading."""
DEATHS = 2
"""Deaths of a worker grading a submission alone (its judge grading nothing else) that make the
submission's grade 0: one may be an accident (a worker killed from outside); a second, on another
worker (a dead one is replaced by a fresh process), is the submission's doing."""
ABANDONED = 3
"""Times the scheduler may give up on a submission's task (KilledWorker) while it was not being
graded, before the submission is ungradable: the cluster, not the submission, keeps failing."""
POLL = 0.05
"""Seconds between looks for a result; the scheduler is asked about its workers at most every
CHECK_EVERY."""
CHECK_EVERY = 1.0
ANSWER_TIMEOUT = 30
"""Seconds the scheduler may take to say how many workers it has before the batch gives up on it."""
WORKERLESS_TIMEOUT = 600
"""Seconds a batch waits for a worker once the cluster has none: a batch system may take minutes to
replace jobs."""
PROFILER = ("profile", "profile-cycle")
"""A worker's periodic callbacks that run Dask's profiler, which samples every thread's stack every
10 ms: it cost a 2-worker cluster 4% of its throughput, and nobody reads a grading run's profiles.
It stays off for the rest of the worker's life."""


def dask_setup(worker: Any) -> None:
    """Run by a worker started with `--preload convkit.batch.cluster`: import the judge (torch, the
    checks) now."""
    from convkit.batch import pool  # noqa: F401


@dataclass(frozen=True)
class Attempt:
    """A task's attempt as the ledger records it while it grades: its worker; whether that worker's
    judge grades its one submission and nothing else; the worker's memory limit (bytes, None: no
    limit); the sandbox it grades in."""

    worker: str
    alone: bool
    memory_limit: int | None
    backend: str
    isolation: str


class JudgePlugin(WorkerPlugin):
    """A Dask worker plugin: one started sandbox slot per worker thread, lent to one task at a
    time."""

    idempotent = False

    def __init__(self, backend: Backend, run: GradingRun) -> None:
        self.requested, self.run = backend, run
        self.free: queue.Queue[Slot] = queue.Queue()
        self.gate = threading.Lock()
        """Held while a task takes slots: one taking all has them before another takes one back."""
        self.slots: list[Slot] = []
        self.backend = backend
        self.warning: str | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"requested": self.requested, "run": self.run}

    def __setstate__(self, state: dict[str, Any]) -> None:
        JudgePlugin.__init__(self, state["requested"], state["run"])

    async def setup(self, worker: Any) -> None:
        """Stop the worker's profiler, and start the slots (each takes a torch import; the batch's
        checks are planned meanwhile) off its event loop: it keeps answering."""
        for name in PROFILER:
            callback = worker.periodic_callbacks.pop(name, None)
            if callback is not None:
                callback.stop()
        await asyncio.to_thread(self.start, worker.state.nthreads)

    def start(self, count: int) -> None:
        from convkit.batch.pool import start_slots, with_fallback
        from convkit.sandbox import replay

        replay.PLANS.share()
        self.slots, self.backend, self.warning = with_fallback(
            lambda backend: start_slots(backend, self.run.config, count, self.run.seed),
            self.requested,
        )
        for slot in self.slots:
            self.free.put(slot)

    def teardown(self, worker: Any) -> None:
        for slot in self.slots:
            slot.close()

    @contextmanager
    def lent(self, every: bool) -> Iterator[list[Slot]]:
        """A free slot for a task; with `every`, all of them: the judge then grades nothing else."""
        with self.gate:
            taken = [self.free.get() for _ in range(len(self.slots) if every else 1)]
        try:
            yield taken
        finally:
            for slot in taken:
                self.free.put(slot)


def plugin_of_this_worker() -> JudgePlugin:
    plugin = get_worker().plugins.get(PLUGIN)
    if not isinstance(plugin, JudgePlugin):
        raise RuntimeError(f"this Dask worker has no {PLUGIN} plugin")
    return plugin


def task_size(remaining: int, threads: int) -> int:
    """Submissions for the next task: the rest shared out over the tasks in flight, between 1 and
    JOBS_PER_TASK, so that a batch's last tasks are small and no worker is left grading a long one
    while the others idle."""
    return max(1, min(JOBS_PER_TASK, -(-remaining // (threads * IN_FLIGHT_PER_THREAD))))


def tasks_of(jobs: Iterable[Job], count: int | None, threads: int) -> Iterator[list[Job]]:
    """The jobs grouped into tasks, in order: `task_size` of them by how many are still to come
    (where `count` says how many there are; one each where it does not), and together at most
    TASK_BYTES unless one alone is more."""
    pending, held = iter(jobs), None
    remaining = count or 0
    while True:
        size = task_size(remaining, threads) if remaining > 0 else 1
        batch: list[Job] = []
        total = 0
        while len(batch) < size:
            job = held if held is not None else next(pending, None)
            held = None
            if job is None:
                break
            if batch and total + len(job.data) > TASK_BYTES:
                held = job
                break
            batch.append(job)
            total += len(job.data)
        if not batch:
            return
        remaining -= len(batch)
        yield batch


def grade_on_worker(
    jobs: list[Job],
    transcripts: bytes,
    ledger: str,
    every: bool = False,
) -> Graded | Attempt:
    """A task: grade some jobs in turn with a free slot of this worker (`every`: all of them),
    having adopted the transcripts other workers learned (`convkit.sandbox.replay`); the results as
    plain data, the transcripts this worker learned meanwhile, and its address. Or, where an attempt
    at it died grading, that attempt as the batch's ledger (`ledger`) recorded it: nothing is graded
    again after a worker's death, the client decides. Transcripts travel pickled: the scheduler,
    which unpickles every task, then never imports the judge."""
    from convkit.batch.pool import judge
    from convkit.sandbox import replay

    plugin = plugin_of_this_worker()
    worker = get_worker()
    if transcripts:
        replay.PLANS.adopt(pickle.loads(transcripts))  # noqa: S301 - written by this batch's judges, passed on by its client
    with plugin.lent(every) as slots:
        alone = len(jobs) == 1 and len(slots) == len(plugin.slots)
        sandbox = slots[0].backend.name, str(slots[0].isolation)
        attempt = Attempt(worker.address, alone, worker.memory_manager.memory_limit, *sandbox)
        keys = [LEDGER, ledger, worker.get_current_task()]
        died = begin(worker, keys, attempt)
        if died is not None:
            return died
        try:
            results = [judge(job, slots[0], plugin.run) for job in jobs]
        finally:  # graded, or the judge raised: no death
            on_loop(worker, worker.scheduler.set_metadata(keys=keys, value=None))
    return results, pickle.dumps(replay.PLANS.learned()), worker.address


def begin(worker: Any, keys: list[Key], attempt: Attempt) -> Attempt | None:
    """Record `attempt` under `keys` on the scheduler before it grades, unless an attempt is
    recorded there: that one died grading (one that ends clears its record), and is returned."""

    async def swap() -> dict[str, Any] | None:
        before: dict[str, Any] | None = await worker.scheduler.get_metadata(keys=keys, default=None)
        if before is None:
            await worker.scheduler.set_metadata(keys=keys, value=asdict(attempt))
        return before

    before = on_loop(worker, swap())
    return None if before is None else Attempt(**before)


def on_loop(worker: Any, call: Any) -> Any:
    """Run a coroutine on the worker's event loop, from a task's thread; its value."""
    return asyncio.run_coroutine_threadsafe(call, worker.loop.asyncio_loop).result()


def forget(ledger: str, dask_scheduler: Any) -> None:
    """Run on the scheduler (`Client.run_on_scheduler`) as a batch ends: drop its ledger."""
    dask_scheduler.task_metadata.get(LEDGER, {}).pop(ledger, None)


def plugin_state(dask_worker: Any) -> dict[str, Any]:
    """Run by `Client.run` on each worker, which passes the worker by this name."""
    plugin = dask_worker.plugins[PLUGIN]
    return {"backend": plugin.backend, "warning": plugin.warning}


class Cluster:
    """The client side: connects, starts the judges on every worker, hands out jobs and collects
    results."""

    usage = None

    def __init__(
        self, address: str, backend: Backend, run: GradingRun, count: int | None = None
    ) -> None:
        """`count`: how many jobs `results` will be given, to size tasks (`task_size`); unknown,
        each holds one."""
        self.address, self.requested, self.grading = address, backend, run
        self.count = count
        self.backend = backend
        self.warning: str | None = None
        self.client: Any = None
        self.run = uuid.uuid4().hex[:12]
        """The batch's name: its tasks' keys start with it, and its ledger has it."""
        self.deaths: defaultdict[int, list[Attempt]] = defaultdict(list)
        """Each job's attempts that died grading it alone."""
        self.abandoned: Counter[int] = Counter()
        """How often the scheduler gave up on each job's task while it was not being graded."""

    def __enter__(self) -> Cluster:
        try:
            # before Client: a half-made one reports its own failure at exit
            get_address_host_port(self.address)
        except ValueError as error:
            raise ClusterError(
                f"--scheduler {self.address} is not a Dask address ({error}); write it as tcp://HOST:PORT"
            ) from None
        try:
            asyncio.run(handshake(self.address))
            self.client = Client(self.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as error:
            reason = (
                " ".join(str(error).split())[:200]
                or f"no answer as a Dask scheduler in {CONNECT_TIMEOUT + 2} s"
            )
            raise ClusterError(
                f"cannot reach the Dask scheduler at {self.address} ({reason}); is `dask "
                "scheduler` running there?"
            ) from None
        try:
            self.start()
        except BaseException:
            self.client.close()
            raise
        return self

    def start(self) -> None:
        try:
            self.client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
        except (TimeoutError, OSError):
            raise ClusterError(
                f"the Dask scheduler at {self.address} has no workers after {WORKERS_TIMEOUT} s; "
                "start some with `dask worker`"
            ) from None
        replies = self.client.register_plugin(
            JudgePlugin(self.requested, self.grading), name=PLUGIN
        )
        for worker, reply in replies.items():
            if reply.get("status") != "OK":
                raise SandboxError(
                    f"the judge could not start on the Dask worker {worker}: "
                    f"{reply.get('exception', reply)}"
                )
        states = self.client.run(plugin_state).values()
        used = {state["backend"] for state in states}
        self.backend = used.pop() if len(used) == 1 else self.requested
        warnings = sorted({state["warning"] for state in states if state["warning"]})
        self.warning = "; ".join(warnings) or None

    def results(self, jobs: Iterable[Job]) -> Iterator[tuple[int, SubmissionResult]]:
        from convkit.sandbox import replay

        workers = self.client.nthreads()
        threads = sum(workers.values()) or 1
        tasks = tasks_of(jobs, self.count, threads)
        waiting: dict[str, list[Job]] = {}
        alone: Counter[int] = Counter()
        """Tasks each job was sent alone in (they name those tasks)."""

        exchange = replay.Exchange(workers)
        watch = Watch(self.client, self.address)

        running = as_completed(loop=self.client.loop)

        def task(batch: list[Job], worker: str | None = None, every: bool = False) -> None:
            """Grade `batch` as a task; one for `worker` (which just finished one) carries the
            transcripts the others learned since its last, and goes to it, unless it is gone or work
            stealing moves it to an idle worker (which then only runs some checks the transcripts
            would have spared it)."""
            live = None if worker is None or watch.workers is None else watch.workers | {worker}
            transcripts = b"" if worker is None else pickle.dumps(exchange.take(worker, live))
            placed = {} if worker is None else {"workers": [worker], "allow_other_workers": True}
            name = f"-alone{alone[batch[0].index]}" if every else ""  # with all its worker's slots
            key = f"convkit-{self.run}-{batch[0].index}{name}"
            future = self.client.submit(
                grade_on_worker, batch, transcripts, self.run, every,
                key=key, pure=False, retries=RETRIES, **placed,
            )  # fmt: skip
            waiting[future.key] = batch
            running.add(future)

        def submit(count: int, worker: str | None = None) -> None:
            """The next `count` tasks (`tasks_of`)."""
            for batch in islice(tasks, count):
                task(batch, worker)

        submit(threads * IN_FLIGHT_PER_THREAD)
        for future in completed(
            running, watch
        ):  # each future completes once, however often its task was run
            batch = waiting.pop(future.key)
            outcome = self.outcome(future, watch)
            future.release()
            if not isinstance(outcome, tuple):
                for job in batch:
                    result = self.fate(job, outcome, len(batch) > 1)
                    if result is None:
                        alone[job.index] += 1
                        task([job], every=True)
                    else:
                        submit(1)
                        yield job.index, result
                continue
            replies, learned, worker = outcome
            exchange.add(worker, pickle.loads(learned))  # noqa: S301 - from this batch's own judges
            submit(1, worker)
            for job, reply in zip(batch, replies, strict=True):
                yield job.index, SubmissionResult.from_dict(reply)

    def outcome(self, future: Any, watch: Watch) -> Graded | Attempt | Exception:
        """A completed task's value, or the error that failed it; for a KilledWorker, the attempt
        that died grading where the ledger kept one (no attempt found it before the scheduler gave
        up)."""
        try:
            return gathered(future, watch)
        except FutureCancelledError as error:  # as Dask does when the client loses the scheduler
            raise ClusterError(cancelled(self.address, error.reason)) from None
        except Exception as error:  # noqa: BLE001 - a task the cluster could not finish
            if future.status != "error":  # the connection's failure while gathering, not the task's
                raise ClusterError(f"{lost(self.address)} ({type(error).__name__})") from None
            if not isinstance(error, KilledWorker):
                return error
            record = self.client.get_metadata([LEDGER, self.run, future.key], None)
            return error if record is None else Attempt(**record)

    def fate(self, job: Job, outcome: Attempt | Exception, shared: bool) -> SubmissionResult | None:
        """`job`'s result when its task (`shared` with other jobs or not) failed with `outcome`, the
        attempt that died grading or an error; None: grade it again alone. The rule, as the README
        says: a submission whose workers die grading it alone DEATHS times is graded 0, its own
        failure; one whose judge raises in a task of its own, or whose tasks the scheduler gives up
        on ABANDONED times while it is not being graded, is ungradable, the grader's failure."""
        if isinstance(outcome, Attempt):
            if not outcome.alone:
                return None
            died = self.deaths[job.index]
            died.append(outcome)
            return self.killed(job, died) if len(died) >= DEATHS else None
        if isinstance(outcome, KilledWorker):
            self.abandoned[job.index] += 1
            if self.abandoned[job.index] < ABANDONED:
                return None
        elif shared:
            return None
        from convkit.grading.engine import ungradable

        told = " ".join(str(outcome).split())[:200]
        problem = f"its task failed on the Dask cluster ({type(outcome).__name__}: {told})"
        return ungradable(
            job.submission(),
            problem,
            seed=self.grading.seed,
            backend=self.backend.name,
            isolation="unknown",
        )

    def killed(self, job: Job, died: list[Attempt]) -> SubmissionResult:
        """`job` graded 0, workers having died grading it alone: for their memory where the nanny of
        each restarted it for that (an event the scheduler keeps), else for no reason reported."""
        from convkit.grading.engine import all_failed

        restarts = self.client.get_events("worker-restart-memory")
        used = {event["worker"]: event["rss"] for _, event in restarts}
        times = f"{len(died)} times, a Dask worker grading it and nothing else"
        if all(attempt.worker in used and attempt.memory_limit for attempt in died):
            most = max(died, key=lambda attempt: used[attempt.worker])
            limit = format_bytes(most.memory_limit or 0)
            reason = "the grader ran out of memory"
            detail = (
                f"{reason} grading it: {times} went past its memory limit "
                f"({format_bytes(used[most.worker])} used of {limit}) and was restarted"
            )
        else:
            reason = "the grader's worker died"
            detail = f"{reason} grading it: {times} died before it finished"
        last = died[-1]
        sandbox = {"seed": self.grading.seed, "backend": last.backend, "isolation": last.isolation}
        return all_failed(job.submission(), Failure(reason, detail), **sandbox)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.client is None:
            return
        if self.client.status == "running" and not (
            kind is not None and issubclass(kind, ClusterError)
        ):  # else it may not answer
            try:
                self.client.run_on_scheduler(forget, self.run)
                self.client.unregister_worker_plugin(PLUGIN)
            except Exception:  # noqa: BLE001, S110 - workers that are gone have nothing to stop
                pass
        # Without a scheduler there is none to ask (asking would wait for one), and closing cancels
        # the client's attempts to reconnect, which Dask logs as a traceback: the ClusterError
        # already said it, in one line.
        logger = logging.getLogger("distributed.client")
        level = logger.level
        logger.setLevel(logging.CRITICAL)
        try:
            self.client.close(timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError):
            pass
        finally:
            logger.setLevel(level)


class Watch:
    """Looks at a client while the batch waits: ClusterError once it has lost its scheduler, the
    scheduler stops answering, or the cluster has had no worker for WORKERLESS_TIMEOUT seconds
    (tasks would wait forever)."""

    def __init__(self, client: Client, address: str) -> None:
        self.client, self.address = client, address
        self.asked = 0.0
        self.alone_since: float | None = None
        self.workers: set[str] | None = None
        """The workers the scheduler named when last asked (those a transcript still waits for)."""

    def check(self) -> None:
        if self.client.status in ("closing", "closed"):
            raise ClusterError(lost(self.address))
        if self.client.status != "running" or time.monotonic() - self.asked < CHECK_EVERY:
            return  # reconnecting (Dask cancels the tasks, and says why), or asked a moment ago
        self.asked = time.monotonic()
        try:
            # addresses only: cheap however many
            self.workers = set(self.client.nthreads(callback_timeout=ANSWER_TIMEOUT))
        except (OSError, TimeoutError):
            raise ClusterError(
                f"the Dask scheduler at {self.address} did not answer in {ANSWER_TIMEOUT} s"
            ) from None
        if self.workers:
            self.alone_since = None
        elif self.alone_since is None:
            self.alone_since = time.monotonic()
        elif time.monotonic() - self.alone_since > WORKERLESS_TIMEOUT:
            raise ClusterError(
                f"the Dask scheduler at {self.address} has had no workers for "
                f"{WORKERLESS_TIMEOUT} s"
            )


async def handshake(address: str) -> None:
    """Open and close a Dask connection to `address` within CONNECT_TIMEOUT (TimeoutError, OSError
    otherwise): Client waits forever for the handshake of a server that accepts connections but is
    not Dask's (the dashboard's port, 8787, which `dask scheduler` prints beside its own)."""
    # connect says why, where it can
    comm = await asyncio.wait_for(connect(address, timeout=CONNECT_TIMEOUT), CONNECT_TIMEOUT + 2)
    await comm.close()


def completed(running: as_completed, watch: Watch) -> Iterator[Any]:
    """The futures of `running` as they complete, the watch looking at the client meanwhile."""
    while not running.is_empty():
        ready = running.next_batch(block=False)
        if ready:
            yield from ready
            continue
        watch.check()
        time.sleep(POLL)


def gathered(future: Any, watch: Watch) -> Any:
    """A completed future's value. A value lost with its worker before it was fetched waits for the
    task to run again, so the watch looks at the client meanwhile."""
    while True:
        try:
            return future.result(timeout=CHECK_EVERY)
        except TimeoutError:
            watch.check()


def lost(address: str) -> str:
    return f"lost the connection to the Dask scheduler at {address}"


def cancelled(address: str, reason: str) -> str:
    if reason == "scheduler-connection-lost":
        return lost(address)
    return f"the Dask cluster at {address} cancelled the batch's tasks ({reason[:100]})"
