"""Which CPU a sandbox slot runs on: each slot claims a CPU of its own, where one is free, and its
zygote, its workers and the judge thread grading with it all run there.

A judge and its worker hand the work back and forth many times per submission (a plan sent, its
replies read, the next check's). Left to the scheduler, each hand-over may wake the other process on
another core, busy with another slot, while this one goes idle: on 2 cores, two judges left both
cores idle 5-6% of the time and spent 4-7% more CPU than pinned ones (`benchmarks/README.md`). On
one core the hand-over is a context switch, with warm caches. A claim is an exclusive lock, like a
worker uid's (`backends.WorkerUid`), so two grading runs of one user on one host, or the Dask
workers of one machine, never pin to the same CPU (runs of different users, or with different
temporary folders, keep their locks apart and may); past the free CPUs a slot is simply not pinned.
Pinning only places processes: no result depends on it, and a lock that cannot be taken (or, without
root, that a student's code running as the same user took) only leaves a slot unpinned.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from convkit.sandbox.backends import first_free, private_directory

CPU_LOCK_DIR = "/run/convkit-cpus"


def preferred(cpus: set[int], topology: Path = Path("/sys/devices/system/cpu")) -> list[int]:
    """`cpus` in the order slots claim them: the first hardware thread of each core before any
    core's second, so that slots fill cores before they share one."""

    def rank(cpu: int) -> int:
        try:
            text = (topology / f"cpu{cpu}" / "topology" / "thread_siblings_list").read_text()
        except OSError:
            return 0
        siblings: list[int] = []
        for part in text.strip().split(","):
            first, _, last = part.partition("-")
            siblings.extend(range(int(first), int(last or first) + 1))
        return sorted(siblings).index(cpu) if cpu in siblings else 0

    return sorted(cpus, key=lambda cpu: (rank(cpu), cpu))


class CpuClaim:
    """One of this thread's CPUs, held alone while the claim is open (`value` None: none was free,
    or the host gives no private place for the locks; the slot then runs where the scheduler puts
    it)."""

    def __init__(self, directory: str | None = None) -> None:
        self.value: int | None = None
        self._lock: int | None = None
        cpus = os.sched_getaffinity(0)
        directory = directory or private_directory(CPU_LOCK_DIR, "convkit-cpus")
        if len(cpus) < 2 or directory is None:
            return
        try:
            claimed = first_free(directory, preferred(cpus))
        except OSError:  # no more descriptors or locks here: run unpinned, as past the free CPUs
            return
        if claimed is not None:
            self.value, self._lock = claimed

    @contextmanager
    def pinned(self) -> Iterator[None]:
        """Run the calling thread (and what it starts meanwhile) on the claimed CPU, then where it
        ran before."""
        if self.value is None:
            yield
            return
        before = os.sched_getaffinity(0)
        try:
            os.sched_setaffinity(0, {self.value})
        except OSError:  # the CPU left this process's set (a cgroup changed): run unpinned
            yield
            return
        try:
            yield
        finally:
            os.sched_setaffinity(0, before)

    def release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)
            self._lock = self.value = None
