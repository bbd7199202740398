"""What this machine itself gives N independent CPU-bound processes, so that `bench_scaling.py`'s
speed-ups can be read against the machine's ceiling rather than against N.

    python3 benchmarks/bench_cores.py [--levels 2 4 8 16] [--seconds 2] [--repeats 3]

At each level, N processes start together (a barrier, after their imports) and do the same fixed
work, one thread each; the speed-up is N times the time of one process alone (measured just before)
over the wall time of the N, from the first start to the last end. Nothing is shared between them
but the machine, so a speed-up under N is the hardware's (sibling hyper-threads, a clock that drops
when every core is busy, shared caches and memory, neighbours on a virtual machine's host) or the
kernel's. Grading is made of such work, so it cannot expect more; the comparison is approximate,
since `--jobs 1` already overlaps a little (a judge and its sandbox hand work back and forth, and a
worker is forked ahead). Each level is measured `--repeats` times; the median is shown with the
range, for machines whose speed drifts.

Three kinds of work, each a part of grading:

- `python`: an interpreter loop (a check's logic, a student's loops), small enough to stay in a
  core's cache;
- `torch`: small tensor operations with fresh allocations, as a worker runs a submission's
  functions;
- `fork`: a process that has imported torch forks a child that runs one small operation and exits,
  the per-submission life of a worker forked from its sandbox's zygote (page tables copied, pages
  faulted in).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time
from collections.abc import Callable
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

KINDS = ("python", "torch", "fork")
TIMEOUT = 600
"""Seconds to wait for a process at any step: one that died is an error, never a hang."""


def _python(rounds: int) -> None:
    for _ in range(rounds):
        total = 0
        for i in range(20_000):
            total += i * i % 7


def _torch(rounds: int) -> None:
    import torch
    import torch.nn.functional as F

    for _ in range(rounds):
        x = torch.randn(1, 3, 16, 16)
        w = torch.randn(4, 3, 3, 3)
        F.max_pool2d(F.conv2d(x, w, padding=1), 2).sum().item()
        y = torch.zeros(6, 7)
        for i in range(6):  # the book's corr2d, one output element at a time
            for j in range(7):
                y[i, j] = (x[0, 0, i : i + 2, j : j + 2] * w[0, 0, :2, :2]).sum()


def _fork(rounds: int) -> None:
    import torch

    for _ in range(rounds):
        pid = os.fork()
        if pid == 0:
            torch.ones(8, 8).sum().item()
            os._exit(0)
        os.waitpid(pid, 0)


WORK: dict[str, Callable[[int], None]] = {"python": _python, "torch": _torch, "fork": _fork}


def _one(kind: str, rounds: int, barrier: Barrier, results: Queue[tuple[float, float]]) -> None:
    import torch

    torch.set_num_threads(1)
    WORK[kind](1)  # lazy imports and first-call costs, outside the timing
    barrier.wait(timeout=TIMEOUT)
    start = time.perf_counter()  # CLOCK_MONOTONIC: one clock for every process of the machine
    WORK[kind](rounds)
    results.put((start, time.perf_counter()))


def level(kind: str, rounds: int, processes: int) -> float:
    """Wall seconds from the first of `processes` processes starting `rounds` (once all stand ready)
    to the last finishing."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes + 1)
    results = context.Queue()
    workers = [
        context.Process(target=_one, args=(kind, rounds, barrier, results))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    try:
        barrier.wait(timeout=TIMEOUT)
        spans = [results.get(timeout=TIMEOUT) for _ in workers]
    except BaseException:
        for worker in workers:
            worker.kill()
        raise
    for worker in workers:
        worker.join()
    return max(end for _, end in spans) - min(start for start, _ in spans)


def speedup(kind: str, rounds: int, processes: int, repeats: int) -> list[float]:
    """`processes` times one process's time over the wall time of `processes`, each pair measured
    back to back (so that a machine whose speed drifts compares like with like), `repeats` times."""
    return [
        processes * level(kind, rounds, 1) / level(kind, rounds, processes) for _ in range(repeats)
    ]


def calibrate(kind: str, seconds: float) -> int:
    """Rounds that take about `seconds` in one process alone."""
    rounds, took = 1, 0.0
    while took < seconds / 8:
        rounds *= 2
        start = time.perf_counter()
        WORK[kind](rounds)
        took = time.perf_counter() - start
    return max(1, round(rounds * seconds / took))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cores = os.cpu_count() or 1
    parser.add_argument(
        "--levels",
        type=int,
        nargs="+",
        metavar="N",
        help="process counts besides 1 (default: 2, cores)",
    )
    parser.add_argument(
        "--seconds", type=float, default=2.0, help="work per process, in seconds alone (default: 2)"
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="measures of each level; the median is shown, then the range",
    )
    options = parser.parse_args()
    if options.repeats < 1 or options.seconds <= 0 or any(n < 1 for n in options.levels or ()):
        parser.error(
            "--repeats and --levels take whole numbers of at least 1, --seconds a positive number"
        )
    levels = sorted({1, *(options.levels or (2, cores))})
    import torch

    torch.set_num_threads(1)
    print(
        f"{cores} CPUs seen; levels {levels}; about {options.seconds:g} s of work per process; "
        f"{options.repeats} measures each"
    )
    print(f"| work | one alone | {' | '.join(str(n) for n in levels[1:])} |")
    print(f"|---|---|{'---|' * (len(levels) - 1)}")
    for kind in KINDS:
        rounds = calibrate(kind, options.seconds)
        cells = [f"{level(kind, rounds, 1):.2f} s"]
        for n in levels[1:]:
            measures = sorted(speedup(kind, rounds, n, options.repeats))
            spread = f" ({measures[0]:.2f}-{measures[-1]:.2f})" if len(measures) > 1 else ""
            cells.append(f"{statistics.median(measures):.2f}x{spread}")
        print(f"| {kind} | {' | '.join(cells)} |", flush=True)


if __name__ == "__main__":
    main()
