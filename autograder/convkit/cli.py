"""The `convkit` command: a thin layer over grading, building and the sandbox check."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import threading
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from .config import GradingConfig
from .interrupts import INTERRUPTED, keep_exit_status, signals_deferred, stopped_by_sigterm

if TYPE_CHECKING:
    from .assignment_config import AssignmentConfig
    from .journal import Journal
    from .judge.backends import Backend
    from .judge.collect import Found
    from .judge.slot import Slot


class Parser(argparse.ArgumentParser):
    """argparse, telling a misuse in one line (the usage is for --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def main(argv: list[str] | None = None) -> int:
    parser = Parser(prog="convkit", description="Auto-graded exercises for D2L 6.2-6.5.")
    parser.add_argument("--version", action="version", version=f"convkit {version()}")
    verbs = parser.add_subparsers(dest="verb", metavar="{grade,build,doctor}")

    grade = verbs.add_parser(
        "grade",
        help="grade submissions in sandboxes; write grades.csv, results.json and a report",
        description="Grade submissions in sandboxes. Limits below apply to every submission.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    grade.add_argument(
        "submissions", nargs="+", type=Path,
        help=".py, .ipynb or grader.export() .zip files; folders of them or of per-student subfolders; a Gradescope export folder or zip",
    )  # fmt: skip
    grade.add_argument("--out", required=True, type=Path, help="new folder for grades.csv, one results.json per submission, report.md")
    grade.add_argument("--force", action="store_true", help="replace --out whole if it exists and is not empty")
    grade.add_argument(
        "--resume", action="store_true",
        help="go on with the run that wrote --out: submissions it graded (same file, seed and settings) are kept, the rest graded",
    )  # fmt: skip
    grade.add_argument("--scheduler", metavar="ADDRESS", help="grade on the Dask cluster at ADDRESS (needs convkit[cluster])")
    grade.add_argument("--backend", default="auto", help="auto (bubblewrap when installed), bwrap, or plain")
    grade.add_argument("--seed", help="N to replay a run's inputs, or 'fresh' for new ones (default: the course's seed)")
    grade.add_argument("--course", type=Path, default=Path("."), help="the course folder, which keeps the grading seed (default: here)")
    for item in fields(GradingConfig):
        grade.add_argument(f"--{item.name.replace('_', '-')}", type=int, default=item.default, help=item.metadata["description"])

    verbs.add_parser("doctor", help="say which sandbox backend is active and whether it starts")

    build = verbs.add_parser("build", help="build the student handout and the otter autograder zip")
    build.add_argument("--out", required=True, type=Path, help="new output folder")
    build.add_argument("--force", action="store_true", help="replace --out whole if it exists and is not empty")
    build.add_argument("--update-template", action="store_true", help="also rewrite the repository's student_template/")
    build.add_argument("--course", type=Path, default=Path("."), help="the course folder, which keeps the grading seed (default: here)")

    args = parser.parse_args(argv)
    if args.verb is None:
        parser.print_help()
        return 2
    terminated: list[int] = []
    try:
        with stopped_by_sigterm(terminated):
            code = {"grade": run_grade, "doctor": run_doctor, "build": run_build}[args.verb](args)
    except UserFacingError as error:
        print(f"convkit {args.verb}: {error}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:  # before anything was written (a grading run says what it kept itself)
        print(f"convkit {args.verb}: interrupted", file=sys.stderr)
        code = INTERRUPTED
    keep_exit_status()  # whether or not a Ctrl-C came, and wherever it was caught
    return 128 + signal.SIGTERM if code == INTERRUPTED and terminated else code


SHOWN_SKIPPED = 20


class UserFacingError(Exception):
    pass


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("convkit")
    except PackageNotFoundError:
        return "unknown (not installed)"


def run_grade(args: argparse.Namespace) -> int:
    many = len(args.submissions) > 1 or any(path.is_dir() or path.suffix == ".zip" for path in args.submissions)
    pooled_here = args.jobs > 1 and args.scheduler is None and many  # judge processes, unless one submission is found
    if pooled_here:
        from .judge.server import start_early

        start_early()  # a batch will need judge processes: the server's imports overlap with this process's own
    from .assignment_config import ConfigError
    from .assignment_config import load as load_assignment
    from .course import SeedError, resolve_seed
    from .judge.backends import BackendError, choose
    from .judge.collect import UsageError, collect
    from .judge.slot import early_slot
    from .outdir import OutError, check

    with tempfile.TemporaryDirectory(prefix="convkit-inputs-") as scratch:
        try:
            config = GradingConfig(**{item.name: getattr(args, item.name) for item in fields(GradingConfig)})
            backend = choose(args.backend)
            check(args.out, args.force, args.resume, keep={"the submissions": args.submissions, "the course folder": [args.course]})
            found = collect(args.submissions, Path(scratch))
            seed, told = resolve_seed(args.seed, args.course)
            assignment = load_assignment(args.course)
        except (ValueError, BackendError, UsageError, SeedError, ConfigError, OutError, OSError) as error:
            raise UserFacingError(error) from None
        cores = len(os.sched_getaffinity(0))
        if args.scheduler is None and many and args.jobs > cores:
            print(
                f"convkit grade: warning: --jobs {args.jobs} is more than the {cores} CPUs here; the judges will share them",
                file=sys.stderr,
            )
        launched = early_slot(backend, config) if args.scheduler is None and not pooled_here else None  # graded here
        try:
            return grade_found(args, found, config, backend, seed, told, assignment, launched)
        finally:
            if launched is not None:
                launched.close()


def grade_found(
    args: argparse.Namespace,
    found: Found,
    config: GradingConfig,
    backend: Backend,
    seed: int,
    told: str | None,
    assignment: AssignmentConfig,
    launched: Slot | None,
) -> int:
    """`convkit grade` once its arguments are checked: grade, keep each result as it comes, write the output."""
    with signals_deferred():  # torch among them: a Ctrl-C meanwhile is handled once they are done
        from .journal import Journal, keys, reusable, settings_key
        from .judge.backends import BackendError
        from .judge.batch import grade_batch, pooled
        from .judge.errors import ClusterError, SandboxError
        from .neutral import line
        from .outdir import OutError, fresh_folder
        from .reports import load_charts, write_all

    if told:
        print(f"convkit grade: {told}", file=sys.stderr)
    wanted = keys(found.found, settings_key(seed, config, assignment, version()))
    reused = reusable(args.out, wanted) if args.resume else {}
    if args.resume:
        print(f"convkit grade: --resume: {len(reused)} of {len(wanted)} submission(s) already graded, kept", file=sys.stderr)
    journal = Journal(args.out, wanted, reused)
    if args.scheduler is not None or pooled(args.jobs, len(wanted) - len(reused)):  # judges grade elsewhere: this process idles
        threading.Thread(target=load_charts, name="convkit-charts", daemon=True).start()
    try:
        batch = grade_batch(
            found.found, config, backend, seed, assignment, done=reused, on_result=journal.add, scheduler=args.scheduler, launched=launched
        )
    except (SandboxError, BackendError) as error:
        nothing = "nothing was graded (see `convkit doctor`, or try --backend plain)"
        print(f"convkit grade: {error}; {kept(journal, nothing)}", file=sys.stderr)
        return 1
    except ClusterError as error:
        if not journal.keeps:
            raise UserFacingError(error) from None
        print(f"convkit grade: {error}; {kept(journal)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"convkit grade: interrupted; {kept(journal)}", file=sys.stderr)
        return INTERRUPTED
    except OSError as error:  # writing a result (a full disk): what was written is kept
        print(f"convkit grade: {error}; {kept(journal)}", file=sys.stderr)
        return 1
    try:
        with fresh_folder(args.out, force=True) as folder:
            write_all(batch, folder, seed, found.skipped, journal.records(batch.results), journal.written())
    except (OutError, OSError) as error:
        raise UserFacingError(error) from None
    for item in found.skipped[:SHOWN_SKIPPED]:
        print(f"convkit grade: not graded: {line(item.path, 300)}: {item.reason}", file=sys.stderr)
    if len(found.skipped) > SHOWN_SKIPPED:
        print(
            f"convkit grade: ... and {len(found.skipped) - SHOWN_SKIPPED} more files not graded; report.md lists them all", file=sys.stderr
        )
    if batch.warning:
        print(f"convkit grade: warning: {batch.warning}", file=sys.stderr)
    ungradable = [result for result in batch.results if not result.gradable]
    isolation = batch.results[0].isolation if batch.results else "none"
    print(
        f"graded {len(batch.results) - len(ungradable)} of {len(batch.results)} submission(s) with the "
        f"{batch.backend.name} sandbox (isolation: {isolation}); see {args.out / 'grades.csv'} and {args.out / 'report.md'}"
    )
    for result in ungradable:
        print(f"convkit grade: {line(result.name, 300)} could not be graded: {line(str(result.problem))}", file=sys.stderr)
    return 1 if ungradable else 0


def kept(journal: Journal, otherwise: str = "nothing was graded") -> str:
    """What a batch that stopped early leaves, in words (`otherwise` where it leaves nothing)."""
    return f"what was graded is in {journal.out}; run the same command with --resume to finish" if journal.keeps else otherwise


def run_doctor(args: argparse.Namespace) -> int:
    """Start a real slot of each backend and say what isolation it achieves; `auto` uses the first that starts."""
    import shutil

    from .judge.backends import Backend
    from .judge.errors import SandboxError
    from .judge.slot import Slot

    started = []
    for name in ("bwrap", "plain"):
        backend = Backend(name)  # type: ignore[arg-type]
        if name == "bwrap" and shutil.which("bwrap") is None:
            print("bwrap: not installed (apt-get install -y bubblewrap)")
            continue
        try:
            with Slot(backend, GradingConfig(jobs=1)) as slot:
                print(f"{name}: starts, isolation {slot.isolation}; {backend.describe()}")
                started.append(name)
        except SandboxError as error:
            print(f"{name}: does not start: {error}")
    if not started:
        print("status: no sandbox starts here; nothing can be graded")
        return 1
    print(f"status: `convkit grade --backend auto` grades with {started[0]}")
    return 0


def run_build(args: argparse.Namespace) -> int:
    with signals_deferred():  # torch among them: a Ctrl-C meanwhile is handled once they are done
        from .assignment_config import ConfigError
        from .assignment_config import load as load_assignment
        from .build import build
        from .course import SeedError, course_seed
        from .outdir import OutError, check, fresh_folder

    try:
        check(args.out, args.force, keep={"the course folder": [args.course]})
        seed, created = course_seed(args.course)
        assignment = load_assignment(args.course)
        with fresh_folder(args.out, args.force) as folder:
            build(folder, seed, assignment, update_template=args.update_template)
    except (OSError, ValueError, SeedError, ConfigError, OutError) as error:
        raise UserFacingError(error) from None
    if created:
        print(
            f"convkit build: drew the course's grading seed and kept it in {args.course / 'convkit-seed.txt'}; keep that file secret",
            file=sys.stderr,
        )
    print(f"built {args.out / 'student'} and {args.out / 'autograder.zip'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
