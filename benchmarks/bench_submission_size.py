"""The judge's time and memory against a submission's size, this checkout beside another.

    python3 benchmarks/bench_submission_size.py [--baseline PATH] [--sizes 10000 100000 1000000]
        [--shapes 0 1 2] [--timeout 300] [--memory-gb 8]

Grades .py files of about each size in characters, of three shapes: one-character statements (`0`,
the issue's file), one-call statements (`abs(0)`, each a cell of its own), and the reference
solution followed by the book's example statements (`X = torch.ones((6, 8))`, `Y = corr2d(X, K)`,
...). Each is graded with the plain backend and `--jobs 1`, in a fresh interpreter, after the
reference in the same batch (which pays for the sandbox's start, lazy imports and the checks'
plans). The judge is that interpreter: its CPU seconds and the growth of its peak resident memory
from the reference's result to the submission's are the judge's (what it held before, torch and the
judge, apart). Wall time also counts the worker running the cells. The result shows the score and
why it is short (the commonest failure). A grade past --timeout seconds, or whose memory passes
--memory-gb, is stopped and said so. Make the baseline with, for example,
`git worktree add /tmp/main-bench <commit>`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "autograder"), str(REPO)]  # this checkout's convkit, not one installed

from benchmarks.bench_scaling import ONE_JUDGE, python_path  # noqa: E402 - after the repository is on the path

REFERENCE = REPO / "solutions" / "convolutions.py"
BOOK = "".join(
    line + "\n"
    for line in (
        "X = torch.ones((6, 8))",
        "X[:, 2:6] = 0",
        "K = torch.tensor([[1.0, -1.0]])",
        "Y = corr2d(X, K)",
        "print(Y.shape)",
    )
)


def book(size: int) -> str:
    reference = REFERENCE.read_text()
    return reference + BOOK * max(0, (size - len(reference)) // len(BOOK))


SHAPES: dict[str, Callable[[int], str]] = {
    "`0` statements": lambda size: "0\n" * (size // 2),
    "`abs(0)` statements": lambda size: "abs(0)\n" * (size // 7),
    "reference + book examples": book,
}
CHILD = (
    """
import json, resource, sys, time
from pathlib import Path
"""
    + ONE_JUDGE
    + """
def mark(index, result):
    usage = resource.getrusage(resource.RUSAGE_SELF)
    marks.append((usage.ru_utime + usage.ru_stime, time.perf_counter(), usage.ru_maxrss))

marks = []
paths = [Path(sys.argv[1]), Path(sys.argv[2])]
result = grade(paths, on_result=mark).results[1]
(cpu, wall, before), (cpu_end, wall_end, peak) = marks
failed = [c.failure.detail for q in result.questions for c in q.checks if c.failure is not None]
commonest = max(failed, key=failed.count, default="")
said = result.problem or result.load_error or result.partial or commonest
score = f"{result.total:g}/{result.max_total:g} {result.status}"
growth = (peak - before) / 1024
print(json.dumps({"cpu": cpu_end - cpu, "wall": wall_end - wall, "growth": growth, "score": score,
                  "said": said[:80]}))
"""
)


def graded(checkout: Path, path: Path, timeout: float, memory_gb: float) -> dict[str, object]:
    """One submission graded by `checkout`'s convkit in a fresh interpreter, or why it stopped."""
    env = {**os.environ, "PYTHONPATH": python_path(checkout / "autograder"), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-c", CHILD, str(REFERENCE), str(path)]
    pipe = subprocess.PIPE
    child = subprocess.Popen(command, env=env, stdout=pipe, stderr=pipe, text=True)
    start, peak, cap = time.perf_counter(), 0, memory_gb * 2**30
    while child.poll() is None:
        peak = max(peak, resident(child.pid))
        waited = time.perf_counter() - start
        if waited > timeout or peak > cap:
            child.kill()
            child.wait()
            return {"stopped": f"stopped at {peak / 2**30:.1f} GB after {waited:.0f} s"}
        time.sleep(0.2)
    out, err = child.communicate()
    if child.returncode != 0:
        return {"stopped": f"failed: {(err.strip().splitlines() or [child.returncode])[-1]}"}
    return json.loads(out.strip().splitlines()[-1])


def resident(pid: int) -> int:
    """A process's resident memory in bytes (0 once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0
    return next((int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:")), 0)


def row(shape: str, text: str, who: str, run: dict[str, object]) -> str:
    size = f"{len(text) / 1000:,.0f} k"
    if "stopped" in run:
        return f"| {shape} | {size} | {who} | {run['stopped']} | | | |"
    figures = f"{run['cpu']:.2f} s | {run['growth']:.0f} MB | {run['wall']:.1f} s"
    return f"| {shape} | {size} | {who} | {figures} | {run['score']} {run['said']} |"


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--baseline", type=Path, help="another checkout to measure beside this one")
    sizes = [10_000, 100_000, 1_000_000]
    parser.add_argument("--sizes", type=int, nargs="+", default=sizes, help="in characters")
    every = list(range(len(SHAPES)))
    parser.add_argument("--shapes", type=int, nargs="+", default=every, help="which, from 0")
    parser.add_argument("--timeout", type=float, default=300, help="seconds before a grade stops")
    parser.add_argument("--memory-gb", type=float, default=8, help="memory at which a grade stops")
    args = parser.parse_args()
    checkouts = {"this": REPO} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    print(f"cores {len(os.sched_getaffinity(0))}, load {os.getloadavg()[0]:.1f}")
    print("| shape | size | code | judge CPU | judge peak memory | wall | result |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="convkit-bench-size-") as folder:
        for index, (shape, make) in enumerate(SHAPES.items()):
            for size in args.sizes if index in args.shapes else ():
                text = make(size)
                path = Path(folder) / f"size_{index}_{size}.py"
                path.write_text(text)
                for who, checkout in checkouts.items():
                    run = graded(checkout, path, args.timeout, args.memory_gb)
                    print(row(shape, text, who, run), flush=True)


if __name__ == "__main__":
    main()
