"""Grading throughput against cores, side by side in one run: --jobs 1, 2 and the machine's cores
(or the levels --jobs names), a Dask cluster on this machine with as many one-thread workers as the
highest level, and CPU seconds per submission of the judges and of their sandboxes.

    python3 benchmarks/bench_scaling.py [--count 120] [--jobs 1 2 4 8 16] [--baseline PATH]
        [--no-cluster]

Every run grades the same submissions (the reference, the stubs, the bug catalog and the honest
styles, cycled to --count) with the plain backend (bubblewrap's processes are not children of the
judge, so their CPU time cannot be told apart), and must give identical results: the benchmark fails
otherwise, and stops at the first run with an ungradable submission (a broken set-up, not a figure).
The summary holds a digest of the results, to compare machines and torch versions (results name the
sandbox's isolation, which differs as root and not: compare runs made alike). A small untimed batch
runs first, so that no timed run pays for a cold disk cache. Each run also states when its first
result came (the judges' and sandboxes' start) and its throughput after that, against --jobs 1's: at
a few hundred submissions on many cores, start-up is a large part of the wall time. `convkit grade
--jobs <most>` is timed too, as a command (start and reports included; its wall time only).
`--baseline PATH` also measures the judge's CPU per submission of another checkout (for example `git
worktree add /tmp/base <commit>`), at --jobs 1 where the judge is the grading process itself.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# this checkout's convkit, not an installed one: a worktree measures its commit
sys.path[:0] = [
    str(REPO / "autograder"),
    str(REPO),
]

ONE_JUDGE = """
try:
    from convkit.batch.run import grade_batch
    from convkit.sandbox.backends import choose
    from convkit.settings.limits import GradingConfig
    from convkit.settings.run import GradingRun
    def grade(paths, **options):
        run = GradingRun(GradingConfig(jobs=1), 1)
        return grade_batch(paths, run, choose("plain"), progress=False, **options)
except ModuleNotFoundError:  # a checkout from before convkit 0.2's layout
    from convkit.config import GradingConfig
    from convkit.judge.backends import choose
    from convkit.judge.batch import grade_batch
    def grade(paths, **options):
        config = GradingConfig(jobs=1)
        return grade_batch(paths, config, choose("plain"), 1, progress=False, **options)
"""
"""A child script's `grade(paths, **options)`: one judge, --jobs 1, the plain sandbox, seed 1, with
whichever checkout's convkit the child imports (the layout before 0.2 too, for baselines)."""

BASELINE = (
    """
import json, resource, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from benchmarks.bench_grade import submissions
"""
    + ONE_JUDGE
    + """import torch
def cpu(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime
count = int(sys.argv[2])
with tempfile.TemporaryDirectory() as folder:
    paths = submissions(count, Path(folder))
    start = cpu(resource.RUSAGE_SELF), time.perf_counter()
    grade(paths)
    print(json.dumps({"judge_cpu": (cpu(resource.RUSAGE_SELF) - start[0]) / count, "wall": """
    """time.perf_counter() - start[1]}))
"""
)


def command_line(paths: list[Path], jobs: int, folder: Path) -> float:
    """Wall seconds of `convkit grade --jobs N` on the same submissions, as an instructor runs it:
    the in-process runs above leave out its start (imports, the judges' fork server) and its
    reports."""
    (folder / "submissions").mkdir()
    for path in paths:
        shutil.copy(path, folder / "submissions" / path.name)
    graded, submissions = str(folder / "graded"), str(folder / "submissions")
    arguments = ["grade", submissions, "--out", graded, "--backend", "plain", "--seed", "1"]
    return timed_convkit(REPO, [*arguments, "--jobs", str(jobs)])


def timed_convkit(
    checkout: Path, arguments: list[str], cwd: Path | None = None, wrapper: list[str] | None = None
) -> float:
    """Wall seconds of one `convkit ARGUMENTS` command run with `checkout`'s convkit in a fresh
    interpreter (the benchmark stops with its error where it fails), under `wrapper` (a command that
    runs the rest) if given."""
    command = [
        *(wrapper or []),
        sys.executable,
        "-c",
        "import sys; from convkit.cli import main; sys.exit(main())",
        *arguments,
    ]
    start = time.perf_counter()
    done = subprocess.run(
        command,
        env={**os.environ, "PYTHONPATH": python_path(checkout / "autograder")},
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"convkit {arguments[0]} failed with {checkout}: {done.stderr[-2000:]}")
    return wall


def grade(paths: list[Path], jobs: int, scheduler: str | None = None) -> dict[str, object]:
    from convkit.batch.run import grade_batch
    from convkit.sandbox.backends import choose
    from convkit.settings.limits import GradingConfig
    from convkit.settings.run import GradingRun

    finished: list[float] = []
    start = time.perf_counter()
    batch = grade_batch(
        paths,
        GradingRun(GradingConfig(jobs=jobs), 1),
        choose("plain"),
        progress=False,
        scheduler=scheduler,
        on_result=lambda *_: finished.append(time.perf_counter()),
    )
    wall = time.perf_counter() - start
    usage = batch.usage
    return {
        "wall": wall,
        "first": finished[0] - start,
        "rate": (len(finished) - 1) / (finished[-1] - finished[0])
        if finished[-1] > finished[0]
        else None,
        "judge_cpu": None if usage is None else usage.judge / len(paths),
        "sandbox_cpu": None if usage is None else usage.sandbox / len(paths),
        "results": [result.to_dict() for result in batch.results],
    }


class Cluster:
    """A scheduler and `workers` one-thread workers on 127.0.0.1, as `dask scheduler` / `dask
    worker` start them."""

    def __init__(self, workers: int, folder: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{port}"
        env = {**os.environ, "PYTHONPATH": python_path(REPO / "autograder"), "OMP_NUM_THREADS": "1"}
        log = (folder / "cluster.log").open("wb")
        scheduler = [
            sys.executable,
            "-m",
            "distributed.cli.dask_scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-dashboard",
        ]
        worker = [
            sys.executable,
            "-m",
            "distributed.cli.dask_worker",
            self.address,
            "--nthreads",
            "1",
            "--no-dashboard",
            "--no-nanny",
        ]
        # as the README starts workers: the judge imported once, at start
        worker += [
            "--preload",
            "convkit.batch.cluster",
        ]
        self.processes = [
            subprocess.Popen(scheduler, env=env, stdout=log, stderr=log, start_new_session=True)
        ]
        self.processes += [
            subprocess.Popen(worker, env=env, stdout=log, stderr=log, start_new_session=True)
            for _ in range(workers)
        ]
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(workers, timeout=120)

    def cpu(self) -> float:
        """CPU seconds of the workers and everything they started, so far (read from /proc)."""
        total = 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        for process in self.processes[1:]:
            for pid in [process.pid, *descendants(process.pid)]:
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                # utime, stime, cutime, cstime
                total += sum(int(value) for value in fields[11:15]) / ticks
        return total

    def stop(self) -> None:
        for process in self.processes:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def python_path(first: Path) -> str:
    """PYTHONPATH with `first` in front of what the benchmark itself runs with (where its
    dependencies may lie)."""
    return os.pathsep.join(
        [str(first), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    )


def graded(name: str, run: dict[str, object]) -> None:
    """Stop at a run that could not grade everything: its time measures a broken set-up."""
    ungradable = [result for result in run["results"] if result["status"] != "graded"]  # type: ignore[attr-defined]
    if ungradable:
        raise SystemExit(
            f"{name}: {len(ungradable)} submissions ungradable, the first "
            f"{ungradable[0]['name']}: {ungradable[0]['problem']}"
        )


def descendants(pid: int) -> list[int]:
    children = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            children += [int(child) for child in (task / "children").read_text().split()]
    except OSError:
        return []
    return [grandchild for child in children for grandchild in [child, *descendants(child)]]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=120, help="number of submissions (at least 2)")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout whose judge CPU per submission to measure beside this one",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        nargs="+",
        default=[],
        metavar="N",
        help="levels besides 1 (default: 2, cores)",
    )
    parser.add_argument(
        "--save-results",
        type=Path,
        metavar="FILE",
        help="write the graded results as JSON, to compare machines",
    )
    parser.add_argument("--no-cluster", action="store_true", help="skip the Dask cluster run")
    args = parser.parse_args()
    if args.count < 2 or min(args.jobs, default=1) < 1:
        parser.error("--count must be at least 2 and every --jobs level at least 1")
    from benchmarks.bench_grade import submissions

    cores = os.cpu_count() or 1
    # the fastest first: a broken set-up shows at once
    levels = sorted({1, *(args.jobs or [2, cores])}, reverse=True)
    most = levels[0]
    runs: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as temp:
        paths = submissions(args.count, Path(temp))
        grade(paths[: max(2, most)], most)  # untimed: the first run would pay for a cold disk cache
        for jobs in levels:
            runs[f"jobs {jobs}"] = grade(paths, jobs)
            graded(f"jobs {jobs}", runs[f"jobs {jobs}"])
            print(f"jobs {jobs}: {runs[f'jobs {jobs}']['wall']:.1f} s", file=sys.stderr)
        cli = command_line(paths, most, Path(temp))
        print(f"convkit grade --jobs {most}: {cli:.1f} s", file=sys.stderr)
        if not args.no_cluster:
            cluster, name = Cluster(most, Path(temp)), f"cluster {most}x1"
            try:
                before = cluster.cpu()
                runs[name] = grade(paths, most, scheduler=cluster.address)
                runs[name]["worker_cpu"] = (cluster.cpu() - before) / args.count
            finally:
                cluster.stop()
            graded(name, runs[name])
            print(f"{name}: {runs[name]['wall']:.1f} s", file=sys.stderr)
        baseline = None
        if args.baseline is not None:
            env = {**os.environ, "PYTHONPATH": python_path(args.baseline / "autograder")}
            done = subprocess.run(
                [sys.executable, "-c", BASELINE, str(args.baseline), str(args.count)],
                env=env,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise SystemExit(f"the baseline run failed: {done.stderr[-2000:]}")
            baseline = json.loads(done.stdout.splitlines()[-1])

    first = runs["jobs 1"]["results"]
    if args.save_results is not None:
        args.save_results.write_text(json.dumps(first, sort_keys=True, indent=1))
    differing = [name for name, run in runs.items() if run["results"] != first]
    if differing:
        raise SystemExit(f"results differ from --jobs 1 in: {', '.join(differing)}")
    one, rate = float(runs["jobs 1"]["wall"]), runs["jobs 1"]["rate"]  # type: ignore[arg-type]
    table = {
        name: {
            "wall_seconds": round(float(run["wall"]), 2),  # type: ignore[arg-type]
            "speedup_vs_jobs1": round(one / float(run["wall"]), 2),  # type: ignore[arg-type]
            "first_result_seconds": round(float(run["first"]), 2),  # type: ignore[arg-type]
            "speedup_after_first_result": round(float(run["rate"]) / rate, 2)
            if run["rate"] and rate
            else None,  # type: ignore[arg-type]
            **{
                key: round(float(run[key]), 4)
                for key in ("judge_cpu", "sandbox_cpu", "worker_cpu")
                if run.get(key) is not None
            },  # type: ignore[arg-type]
        }
        for name, run in sorted(
            runs.items(),
            key=lambda item: (item[0].startswith("cluster"), int(item[0].split()[1].split("x")[0])),
        )
    }
    import torch

    summary = {
        "submissions": args.count,
        "cores": cores,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "runs": table,
        "results_identical": True,
        "results_sha256": hashlib.sha256(json.dumps(first, sort_keys=True).encode()).hexdigest(),
    }
    summary[f"convkit_grade_jobs{most}_wall_seconds"] = round(cli, 2)
    if f"cluster {most}x1" in table:
        summary["cluster_vs_local_pool"] = round(
            table[f"jobs {most}"]["wall_seconds"] / table[f"cluster {most}x1"]["wall_seconds"], 2
        )
    if baseline is not None:
        summary["baseline_judge_cpu"] = round(baseline["judge_cpu"], 4)
        summary["baseline_wall_jobs1"] = round(baseline["wall"], 2)
        summary["judge_cpu_vs_baseline"] = round(
            table["jobs 1"]["judge_cpu"] / baseline["judge_cpu"], 2
        )
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
