"""The landlock backend's cost per submission against bubblewrap's, side by side in one run.

    python3 benchmarks/bench_backends.py [--count 48] [--runs 3] [--backends bwrap landlock]

Each backend grades the same batch (the reference, the stubs, the bug catalog and the honest styles,
cycled to --count) with `convkit grade --jobs 1`, and one submission alone; the cost per submission
is the difference over the extra submissions, so neither start-up nor the reports count, in CPU
seconds of the whole command (every process it started, waited for: the judge, the sandboxes and
their workers; steadier than wall time on a busy machine) and in wall seconds. bubblewrap's
sandboxes live in a pid namespace of their own, whose processes convkit never waits for, so its CPU
seconds miss theirs: compare CPU seconds between plain and landlock (`--backends plain landlock`),
wall seconds with bwrap. The landlock batch runs inside Docker's default confinement
(`tests/dockerlike.py`, as root; with /root opened to other users there, as a grading image prepared
by `convkit.platforms.lockdown` is), where a container grades; bwrap runs on the machine itself.
Runs alternate between the backends, after one untimed run of each, and the medians are printed as
JSON with their ratio. Both must give the same grades: the benchmark stops otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# this checkout's convkit, not an installed one: a worktree measures its commit
sys.path[:0] = [
    str(REPO / "autograder"),
    str(REPO),
]

from benchmarks.bench_grade import submissions  # noqa: E402 - after the repository is on the path
from benchmarks.bench_scaling import timed_convkit  # noqa: E402


def graded(backend: str, paths: list[Path], scratch: Path) -> tuple[float, float, str]:
    """Wall and CPU seconds of `convkit grade PATHS --jobs 1` with `backend`, and a digest of its
    grades.csv."""
    out = Path(tempfile.mkdtemp(dir=scratch)) / "out"
    arguments = [
        "grade",
        *map(str, paths),
        "--out",
        str(out),
        "--jobs",
        "1",
        "--backend",
        backend,
        "--seed",
        "1",
    ]
    container = (
        [sys.executable, str(REPO / "tests" / "dockerlike.py"), "--reachable-root", "--"]
        if backend == "landlock"
        else None
    )
    before = cpu()
    wall = timed_convkit(REPO, arguments, cwd=scratch, wrapper=container)
    return wall, cpu() - before, hashlib.sha256((out / "grades.csv").read_bytes()).hexdigest()[:12]


def cpu() -> float:
    """CPU seconds of every finished process this one waited for, and theirs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=48, help="submissions in the batch")
    parser.add_argument(
        "--runs", type=int, default=3, help="timed runs of each backend, alternating"
    )
    parser.add_argument("--backends", nargs="+", default=["bwrap", "landlock"])
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit(
            "run as root: the landlock batch runs in an emulated container, and bwrap's workers "
            "need a uid of their own"
        )
    walls: dict[str, dict[str, list[float]]] = {
        name: {"batch": [], "one": []} for name in args.backends
    }
    cpus: dict[str, dict[str, list[float]]] = {
        name: {"batch": [], "one": []} for name in args.backends
    }
    with tempfile.TemporaryDirectory(prefix="convkit-bench-backends-") as folder:
        scratch = Path(folder)
        (scratch / "in").mkdir()
        batch = submissions(args.count, scratch / "in")
        # untimed: a cold disk cache
        digests = {name: graded(name, batch, scratch)[2] for name in args.backends}
        if len(set(digests.values())) != 1:
            raise SystemExit(f"the backends' grades differ: {digests}")
        for _ in range(args.runs):
            for name in args.backends:
                for kind, paths in (("batch", batch), ("one", batch[:1])):
                    wall, used, _ = graded(name, paths, scratch)
                    walls[name][kind].append(wall)
                    cpus[name][kind].append(used)
    per = {name: extra(times, args.count) for name, times in walls.items()}
    per_cpu = {name: extra(times, args.count) for name, times in cpus.items()}
    first, *others = args.backends
    summary = {
        "count": args.count,
        "runs": args.runs,
        "cores": len(os.sched_getaffinity(0)),
        "grades_digest": digests[first],
        "wall_seconds": {
            name: {kind: [round(t, 2) for t in times] for kind, times in kinds.items()}
            for name, kinds in walls.items()
        },
        "cpu_seconds": {
            name: {kind: [round(t, 2) for t in times] for kind, times in kinds.items()}
            for name, kinds in cpus.items()
        },
        "wall_seconds_per_submission": {name: round(value, 4) for name, value in per.items()},
        "cpu_seconds_per_submission": {name: round(value, 4) for name, value in per_cpu.items()},
        **{f"{name}_vs_{first}_wall": round(per[name] / per[first], 3) for name in others},
        **{f"{name}_vs_{first}_cpu": round(per_cpu[name] / per_cpu[first], 3) for name in others},
    }
    print(json.dumps(summary, indent=1))


def extra(times: dict[str, list[float]], count: int) -> float:
    """Seconds per submission beyond the first: the medians' difference over the extra
    submissions."""
    return (statistics.median(times["batch"]) - statistics.median(times["one"])) / (count - 1)


if __name__ == "__main__":
    main()
