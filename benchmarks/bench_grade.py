"""convkit grade vs otter run -a, side by side in one run, on the same 60 submissions.

    python3 benchmarks/bench_grade.py [--count 60] [--otter-runs 60]

Measures, on this machine (both convkit runs side by side in one run):
  1. `convkit grade` on all submissions (default --jobs) against `otter run -a <built
     autograder.zip>` run once per submission, as a course would without convkit (the ratio is the
     speed-up);
  2. the per-submission overhead of the sandbox: `convkit grade --jobs 1` minus the checks' own
     compute (the same hidden checks run in-process on the same files, no sandbox), divided by the
     number of submissions.
Submissions are the reference, the stubs, the bug catalog and the honest styles (.py files), cycled
to --count.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# this checkout's convkit, not an installed one: a worktree measures its commit
sys.path[:0] = [
    str(REPO / "autograder"),
    str(REPO),
]


def submissions(count: int, folder: Path) -> list[Path]:
    from tests.conftest import expand  # catalog files hold only their bug; expand() adds their base

    sources = [
        REPO / "solutions" / "convolutions.py",
        REPO / "student_template" / "convolutions.py",
    ]
    sources += sorted((REPO / "tests" / "corpora" / "catalog").glob("*.py")) + sorted(
        (REPO / "tests" / "corpora" / "honest").glob("*.py")
    )
    paths = []
    for index, source in enumerate(islice(cycle(sources), count)):
        path = folder / f"{index:03d}_{source.stem}.py"
        shutil.copy(expand(source, folder), path)
        paths.append(path)
    return paths


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def in_process_compute(paths: list[Path]) -> float:
    """The checks' own compute: every hidden check on every file, in this process, no sandbox."""
    from convkit.checking.checks import run_check, suite
    from convkit.exercises.questions import QUESTION_IDS, earlier_symbols
    from convkit.grading.inprocess import InProcessStudent

    start = time.perf_counter()
    with (
        open(os.devnull, "w") as sink,
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
    ):
        for path in paths:
            for question in QUESTION_IDS:
                student = InProcessStudent(path)
                student.substitute(earlier_symbols(question))
                for check in suite(question):
                    run_check(check, student, 1)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=60, help="number of submissions")
    parser.add_argument(
        "--otter-runs",
        type=int,
        default=60,
        help="how many of them otter grades (extrapolated to --count)",
    )
    args = parser.parse_args()
    # this checkout's convkit in its commands too
    from benchmarks.bench_scaling import (
        timed_convkit,
    )

    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        subs = work / "subs"
        subs.mkdir()
        paths = submissions(args.count, subs)
        timed_convkit(REPO, ["build", "--out", str(work / "build")])
        zip_path = work / "build" / "autograder.zip"

        convkit_all = timed_convkit(REPO, ["grade", str(subs), "--out", str(work / "out")])
        convkit_one_job = timed_convkit(
            REPO, ["grade", str(subs), "--out", str(work / "out1"), "--jobs", "1"]
        )
        compute = in_process_compute(paths)

        otter_times = []
        for path in paths[: args.otter_runs]:
            out = work / "otter" / path.stem
            out.mkdir(parents=True)
            otter_times.append(
                timed(["otter", "run", "-a", str(zip_path), "-o", str(out), str(path)])
            )
        otter_all = sum(otter_times) / len(otter_times) * args.count

    result = {
        "submissions": args.count,
        "convkit_grade_seconds": round(convkit_all, 2),
        "otter_run_seconds": round(otter_all, 2),
        "otter_runs_measured": len(otter_times),
        "speedup_vs_otter": round(otter_all / convkit_all, 1),
        "convkit_jobs1_seconds": round(convkit_one_job, 2),
        "checks_compute_seconds": round(compute, 2),
        "overhead_per_submission_seconds": round((convkit_one_job - compute) / args.count, 3),
        "cores": os.cpu_count(),
        "default_jobs_speedup_vs_jobs1": round(convkit_one_job / convkit_all, 2),
    }
    print(json.dumps(result, indent=2))
    print(
        f"convkit grade is {result['speedup_vs_otter']}x faster than otter run -a on "
        f"{args.count} submissions; "
        f"sandbox overhead {result['overhead_per_submission_seconds']} s per submission beyond "
        "the checks' compute "
        f"(target: >= 10x and < 0.5 s); --jobs {os.cpu_count()} is "
        f"{result['default_jobs_speedup_vs_jobs1']}x --jobs 1"
    )


if __name__ == "__main__":
    main()
