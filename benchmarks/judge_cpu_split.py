"""Where the judge's CPU goes, per submission: the worker round trips (one at a time, and a check's
plan at once), encoding and rebuilding values, the oracle and the bug signatures, comparisons,
shrinking, the from-scratch policy, planning the checks, and the rest (the checks' own logic, input
draws, results).

    python3 benchmarks/judge_cpu_split.py [--count 150]

Grades the benchmark submissions (as `bench_scaling.py` does) at `--jobs 1`, where the judge is this
process, with a few of the judge's functions wrapped to add up the CPU time spent in each
(`time.process_time`), each part counted without the wrapped parts it calls. cProfile is no guide
here: it inflates Python-heavy code several-fold against C and system calls (it put the policy at
11% of the judge, which this puts at 6%).
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# this checkout's convkit, not an installed one: a worktree measures its commit
sys.path[:0] = [
    str(REPO / "autograder"),
    str(REPO),
]


class Split:
    """CPU seconds by part; a part's time excludes the wrapped parts it calls."""

    def __init__(self) -> None:
        self.spent: defaultdict[str, float] = defaultdict(float)
        self.inner: list[float] = []

    def wrap(self, owner: Any, name: str, part: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            self.inner.append(0.0)
            try:
                return original(*args, **kwargs)
            finally:
                total, nested = time.process_time() - start, self.inner.pop()
                self.spent[part] += total - nested
                if self.inner:
                    self.inner[-1] += total

        setattr(owner, name, timed)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=150, help="number of submissions")
    args = parser.parse_args()
    from benchmarks.bench_grade import submissions
    from convkit.batch.run import grade_batch
    from convkit.checking import cache, compare, student
    from convkit.grading import engine
    from convkit.sandbox import replay, session
    from convkit.sandbox.backends import choose
    from convkit.settings.limits import GradingConfig
    from convkit.settings.run import GradingRun

    split = Split()
    split.wrap(session.Session, "ask", "worker round trips, one at a time")
    split.wrap(session.Session, "collect", "worker round trips, a check's plan at once")
    split.wrap(replay.PLANS, "planned", "planning checks on the oracle")
    split.wrap(session.Session, "load", "starting workers, loading cells")
    split.wrap(student.Student, "call", "encoding arguments, rebuilding replies")
    split.wrap(student.Student, "layer", "encoding arguments, rebuilding replies")
    split.wrap(cache, "computed", "oracle and bug outputs, their cache")
    split.wrap(compare, "compare", "comparing values")
    split.wrap(compare, "shrink", "shrinking (its own logic)")
    split.wrap(compare, "name_the_bug", "naming bugs (their own logic)")
    split.wrap(engine, "judge_from_scratch", "from-scratch policy")
    with tempfile.TemporaryDirectory() as folder:
        paths = submissions(args.count, Path(folder))
        # warm: imports, the cache
        grade_batch(
            paths[:5], GradingRun(GradingConfig(jobs=1), 1), choose("plain"), progress=False
        )
        split.spent.clear()
        start = time.process_time()
        grade_batch(paths, GradingRun(GradingConfig(jobs=1), 1), choose("plain"), progress=False)
        total = time.process_time() - start
    split.spent["the rest: checks' logic, draws, results"] = total - sum(split.spent.values())
    print(f"judge CPU {1000 * total / args.count:.1f} ms per submission ({args.count} submissions)")
    for part, seconds in sorted(split.spent.items(), key=lambda item: -item[1]):
        print(f"  {part:42s} {1000 * seconds / args.count:5.1f} ms  {100 * seconds / total:4.0f}%")


if __name__ == "__main__":
    main()
