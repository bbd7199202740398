"""Judges on a Dask cluster (`convkit grade --scheduler ADDRESS`, the `convkit[cluster]` extra).

Each Dask worker runs convkit's judge: a worker plugin, started once per worker, keeps one warm sandbox slot per
worker thread. Each submission travels as a task holding its bytes (workers need no shared file system) and comes
back as a result's dictionary, which this client writes exactly as a local run does. A worker that dies
mid-task has its task run again elsewhere by the scheduler; each submission is written once. Start workers
with one thread each (`dask worker ADDRESS --nthreads 1 --nworkers N --preload convkit.judge.cluster`): judges
that share a process share its interpreter lock, and the preload imports the judge as the worker starts rather
than when the first batch's plugin arrives.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import time
import uuid
from collections.abc import Iterable, Iterator
from itertools import islice
from types import TracebackType
from typing import Any

from distributed import Client, WorkerPlugin, as_completed, get_worker
from distributed.comm.addressing import get_address_host_port

from ..assignment_config import AssignmentConfig
from ..config import GradingConfig
from .backends import Backend
from .engine import ungradable
from .errors import ClusterError, SandboxError
from .jobs import Job
from .pool import judge, start_slots, with_fallback
from .results import SubmissionResult
from .slot import Slot

PLUGIN = "convkit-judge"
CONNECT_TIMEOUT = 10
WORKERS_TIMEOUT = 60
IN_FLIGHT_PER_THREAD = 2
"""Jobs handed to the scheduler ahead of the results, per worker thread: enough to keep every worker busy, few
enough that a course's whole batch never sits in the client's and the scheduler's memory at once."""
RETRIES = 2
POLL = 0.05
"""Seconds between looks at the client while no result is ready: a lost scheduler must end the batch, not hang it."""


class JudgePlugin(WorkerPlugin):  # type: ignore[misc]
    """A Dask worker plugin: one started sandbox slot per worker thread, lent to one task at a time."""

    idempotent = False

    def __init__(self, backend: Backend, config: GradingConfig) -> None:
        self.requested, self.config = backend, config
        self.free: queue.Queue[Slot] = queue.Queue()
        self.slots: list[Slot] = []
        self.backend = backend
        self.warning: str | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"requested": self.requested, "config": self.config}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["requested"], state["config"])  # type: ignore[misc]

    async def setup(self, worker: Any) -> None:
        """Start the slots off the worker's event loop (each takes a torch import): it keeps answering."""
        await asyncio.to_thread(self.start, worker.state.nthreads)

    def start(self, count: int) -> None:
        self.slots, self.backend, self.warning = with_fallback(lambda backend: start_slots(backend, self.config, count), self.requested)
        for slot in self.slots:
            self.free.put(slot)

    def teardown(self, worker: Any) -> None:
        for slot in self.slots:
            slot.close()


def plugin_of_this_worker() -> JudgePlugin:
    plugin = get_worker().plugins.get(PLUGIN)
    if not isinstance(plugin, JudgePlugin):
        raise RuntimeError(f"this Dask worker has no {PLUGIN} plugin")
    return plugin


def grade_on_worker(job: Job, seed: int, assignment: AssignmentConfig) -> dict[str, Any]:
    """A task: grade one job with a free slot of this worker; the result as plain data."""
    plugin = plugin_of_this_worker()
    slot = plugin.free.get()
    try:
        return judge(job, slot, plugin.config, seed, assignment)
    finally:
        plugin.free.put(slot)


def plugin_state(dask_worker: Any) -> dict[str, Any]:
    """Run by `Client.run` on each worker, which passes the worker by this name."""
    plugin = dask_worker.plugins[PLUGIN]
    return {"backend": plugin.backend.name, "warning": plugin.warning}


class Cluster:
    """The client side: connects, starts the judges on every worker, hands out jobs and collects results."""

    usage = None

    def __init__(self, address: str, backend: Backend, config: GradingConfig, seed: int, assignment: AssignmentConfig) -> None:
        self.address, self.requested, self.config, self.seed, self.assignment = address, backend, config, seed, assignment
        self.backend = backend
        self.warning: str | None = None
        self.client: Any = None

    def __enter__(self) -> Cluster:
        try:
            get_address_host_port(self.address)  # before Client: a half-made one reports its own failure at exit
        except ValueError as error:
            raise ClusterError(f"--scheduler {self.address} is not a Dask address ({error}); write it as tcp://HOST:PORT") from None
        try:
            self.client = Client(self.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as error:
            reason = " ".join(str(error).split())[:200] or type(error).__name__
            raise ClusterError(f"cannot reach the Dask scheduler at {self.address} ({reason}); is `dask scheduler` running there?") from None
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
            raise ClusterError(f"the Dask scheduler at {self.address} has no workers after {WORKERS_TIMEOUT} s; start some with `dask worker`") from None
        replies = self.client.register_plugin(JudgePlugin(self.requested, self.config), name=PLUGIN)
        for worker, reply in replies.items():
            if reply.get("status") != "OK":
                raise SandboxError(f"the judge could not start on the Dask worker {worker}: {reply.get('exception', reply)}")
        states = self.client.run(plugin_state).values()
        used = sorted({state["backend"] for state in states})
        self.backend = Backend(used[0], self.requested.chosen) if len(used) == 1 else self.requested  # type: ignore[arg-type]
        warnings = sorted({state["warning"] for state in states if state["warning"]})
        self.warning = "; ".join(warnings) or None

    def results(self, jobs: Iterable[Job]) -> Iterator[tuple[int, SubmissionResult]]:
        pending = iter(jobs)
        threads = sum(self.client.nthreads().values()) or 1
        waiting: dict[str, Job] = {}
        run = uuid.uuid4().hex[:12]

        def submit(batch: Iterable[Job]) -> list[Any]:
            futures = []
            for job in batch:
                future = self.client.submit(
                    grade_on_worker, job, self.seed, self.assignment, key=f"convkit-{run}-{job.index}", pure=False, retries=RETRIES
                )
                waiting[future.key] = job
                futures.append(future)
            return futures

        running = as_completed(submit(islice(pending, threads * IN_FLIGHT_PER_THREAD)), loop=self.client.loop)
        for future in self.completed(running):  # each future completes once, however often its task was run
            job = waiting.pop(future.key)
            if future.cancelled():  # only Dask cancels them: it does when the client loses the scheduler
                raise ClusterError(f"lost the connection to the Dask scheduler at {self.address}")
            try:
                result = SubmissionResult.from_dict(future.result())
            except Exception as error:  # noqa: BLE001 - a task the cluster could not finish (a worker killed too often...)
                problem = f"its task failed on the Dask cluster ({type(error).__name__}: {' '.join(str(error).split())[:200]})"
                result = ungradable(job.submission(), problem, seed=self.seed, backend=self.backend.name, isolation="unknown")
            future.release()
            for more in submit(islice(pending, 1)):
                running.add(more)
            yield job.index, result

    def completed(self, running: as_completed) -> Iterator[Any]:
        """The futures of `running` as they complete. Raises ClusterError when the client is closed (it gives up on a
        lost scheduler after CONNECT_TIMEOUT; its futures then never complete) or no worker has been there for
        WORKERS_TIMEOUT seconds (tasks would wait for one forever)."""
        alone_since: float | None = None
        while not running.is_empty():
            ready = running.next_batch(block=False)
            if ready:
                alone_since = None
                yield from ready
                continue
            if self.client.status in ("closing", "closed", "failed"):
                raise ClusterError(f"lost the connection to the Dask scheduler at {self.address}")
            if self.client.status == "running" and not self.client.scheduler_info().get("workers"):
                alone_since = alone_since or time.monotonic()
                if time.monotonic() - alone_since > WORKERS_TIMEOUT:
                    raise ClusterError(f"the Dask scheduler at {self.address} has had no workers for {WORKERS_TIMEOUT} s")
            else:
                alone_since = None
            time.sleep(POLL)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self.client is None:
            return
        if self.client.status == "running":
            try:
                self.client.unregister_worker_plugin(PLUGIN)
            except Exception:  # noqa: BLE001, S110 - workers that are gone have nothing to stop
                pass
            self.client.close(timeout=CONNECT_TIMEOUT)
            return
        # No scheduler to ask (asking would wait for one); closing cancels the client's attempts to reconnect, which
        # Dask logs as a traceback: the ClusterError already says what happened, in one line.
        logging.disable(logging.CRITICAL)
        try:
            self.client.close(timeout=CONNECT_TIMEOUT)
        finally:
            logging.disable(logging.NOTSET)
