"""One submission graded from start to end, this checkout against another, side by side in one run.

    python3 benchmarks/bench_start.py --baseline PATH [--runs 7] [--backend auto]

This is how long a student waits on Gradescope, where the otter plugin grades one submission in one
process as this command does. An instructor running `convkit grade one.py` waits as long. The two
checkouts' `convkit grade <the reference> --jobs 1` commands alternate, each in a fresh interpreter,
after one untimed run of each (a cold disk cache). The median wall times and their ratio are printed
as JSON. Make the baseline with, for example, `git worktree add /tmp/base <commit>`.
"""

from __future__ import annotations

import argparse
import json
import os
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

from benchmarks.bench_scaling import timed_convkit  # noqa: E402 - after the repository is on the path


def graded_once(checkout: Path, backend: str, scratch: Path) -> float:
    """Wall seconds of one `convkit grade` of the reference solution, with `checkout`'s convkit."""
    out = Path(tempfile.mkdtemp(dir=scratch)) / "out"
    arguments = [
        "grade",
        str(REPO / "solutions" / "convolutions.py"),
        "--out",
        str(out),
        "--jobs",
        "1",
        "--backend",
        backend,
        "--seed",
        "1",
    ]
    return timed_convkit(checkout, arguments, cwd=scratch)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--baseline", type=Path, required=True, help="another checkout to time beside this one"
    )
    parser.add_argument(
        "--runs", type=int, default=7, help="timed runs of each checkout, alternating"
    )
    parser.add_argument("--backend", default="auto", help="the sandbox backend both use")
    args = parser.parse_args()
    checkouts = {"this": REPO, "baseline": args.baseline.resolve()}
    walls: dict[str, list[float]] = {name: [] for name in checkouts}
    with tempfile.TemporaryDirectory(prefix="convkit-bench-start-") as folder:
        scratch = Path(folder)
        for checkout in checkouts.values():
            graded_once(checkout, args.backend, scratch)
        for _ in range(args.runs):
            for name, checkout in checkouts.items():
                walls[name].append(graded_once(checkout, args.backend, scratch))
    medians = {name: statistics.median(times) for name, times in walls.items()}
    summary = {
        "backend": args.backend,
        "cores": len(os.sched_getaffinity(0)),
        "runs": args.runs,
        "wall_seconds": {name: [round(t, 2) for t in times] for name, times in walls.items()},
        "median_this": round(medians["this"], 2),
        "median_baseline": round(medians["baseline"], 2),
        "this_vs_baseline": round(medians["this"] / medians["baseline"], 2),
    }
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
