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

from convkit.errors import CommandError
from convkit.interrupts import INTERRUPTED, keep_exit_status, signals_deferred, stopped_by_sigterm
from convkit.settings.limits import GradingConfig
from convkit.settings.run import GradingRun
from convkit.worker.protocol import Isolation

if TYPE_CHECKING:
    from convkit.batch.collect import Collection
    from convkit.output.journal import Journal
    from convkit.results import SubmissionResult
    from convkit.sandbox.backends import Backend
    from convkit.sandbox.slot import Slot
    from convkit.settings.assignment import AssignmentConfig


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
        help=".py, .ipynb or grader.export() .zip files; folders of them or of per-student "
        "subfolders; a Gradescope export folder or zip",
    )  # fmt: skip
    grade.add_argument(
        "--out",
        required=True,
        type=Path,
        help="new folder for grades.csv, one results.json per submission, report.md",
    )
    again = grade.add_mutually_exclusive_group()
    again.add_argument(
        "--force", action="store_true",
        help="replace --out whole if it is not empty (never a handout, the seed or submissions)",
    )  # fmt: skip
    again.add_argument(
        "--resume", action="store_true",
        help="go on with the run that wrote --out: submissions it graded (same file, seed and "
        "settings) are kept, the rest graded",
    )  # fmt: skip
    grade.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="grade on the Dask cluster at ADDRESS (needs convkit[cluster])",
    )
    grade.add_argument(
        "--backend", default="auto",
        help="auto (the strongest that starts here: bwrap, then plain with a mount namespace, "
        "then landlock), bwrap, plain or landlock",
    )  # fmt: skip
    grade.add_argument(
        "--min-isolation", metavar="LEVEL",
        help="grade nothing unless a sandbox gives at least this isolation: none, uid, landlock, "
        "namespace or bwrap (default: the course's convkit.toml, else uid)",
    )  # fmt: skip
    grade.add_argument(
        "--seed",
        help="N to replay a run's inputs, or 'fresh' for new ones (the course's, where it keeps "
        "none); default: the course's seed, and none is drawn without 'fresh'",
    )
    grade.add_argument(
        "--autograder", metavar="ZIP", type=Path,
        help="grade with the seed this autograder.zip carries, as Gradescope does",
    )  # fmt: skip
    grade.add_argument(
        "--course",
        type=Path,
        default=Path("."),
        help="the course folder, which keeps the grading seed (default: here)",
    )
    for item in fields(GradingConfig):
        grade.add_argument(
            f"--{item.name.replace('_', '-')}",
            type=int,
            default=item.default,
            help=item.metadata["description"],
        )

    doctor = verbs.add_parser(
        "doctor", help="start each sandbox backend and say the isolation it gives here"
    )
    doctor.add_argument(
        "--course",
        type=Path,
        default=Path("."),
        help="the course folder, whose convkit.toml may set a least isolation",
    )
    doctor.add_argument(
        "--min-isolation", metavar="LEVEL", help="the least isolation to require (as convkit grade)"
    )

    what = "build the student handout, the otter autograder zip and a PrairieLearn question"
    build = verbs.add_parser("build", help=what)
    build.add_argument("--out", required=True, type=Path, help="new output folder")
    build.add_argument(
        "--force", action="store_true",
        help="replace --out whole if it exists and is not empty (only an earlier build)",
    )  # fmt: skip
    build.add_argument(
        "--update-template",
        action="store_true",
        help="also rewrite the repository's student_template/",
    )
    build.add_argument(
        "--course",
        type=Path,
        default=Path("."),
        help="the course folder, which keeps the grading seed (default: here)",
    )

    args = parser.parse_args(argv)
    if args.verb is None:
        parser.print_help()
        return 2
    terminated: list[int] = []
    try:
        with stopped_by_sigterm(terminated):
            code = {"grade": run_grade, "doctor": run_doctor, "build": run_build}[args.verb](args)
    except CommandError as error:
        print(f"convkit {args.verb}: {error}", file=sys.stderr)
        code = 2
    except (
        KeyboardInterrupt
    ):  # before anything was written (a grading run says what it kept itself)
        print(f"convkit {args.verb}: interrupted", file=sys.stderr)
        code = INTERRUPTED
    keep_exit_status()  # whether or not a Ctrl-C came, and wherever it was caught
    return 128 + signal.SIGTERM if code == INTERRUPTED and terminated else code


SHOWN_SKIPPED = 20


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("convkit")
    except PackageNotFoundError:
        return "unknown (not installed)"


def run_grade(args: argparse.Namespace) -> int:
    many = len(args.submissions) > 1 or any(
        path.is_dir() or path.suffix == ".zip" for path in args.submissions
    )
    # judge processes, unless one submission is found
    pooled_here = args.jobs > 1 and args.scheduler is None and many
    if pooled_here:
        from convkit.batch.forkserver import start_early

        # a batch will need judge processes: the server's imports overlap with this process's own
        start_early()
    from convkit.batch.collect import collect
    from convkit.output.outdir import GRADED, ensure_usable
    from convkit.sandbox.backends import choose
    from convkit.sandbox.slot import early_slot
    from convkit.settings.assignment import load as load_assignment
    from convkit.settings.course import resolve_seed

    with tempfile.TemporaryDirectory(prefix="convkit-inputs-") as scratch:
        try:
            config = GradingConfig(
                **{item.name: getattr(args, item.name) for item in fields(GradingConfig)}
            )
            assignment = load_assignment(args.course)
            backend = choose(args.backend, floor(args, assignment))
            ensure_usable(
                args.out, args.force, args.resume,
                replaces=GRADED, submissions=args.submissions, course=args.course,
            )  # fmt: skip
            found = collect(args.submissions, Path(scratch))
            seed, told = resolve_seed(args.seed, args.course, args.autograder)
        except (ValueError, OSError) as error:  # a CommandError goes up as it is
            raise CommandError(str(error)) from None
        cores = len(os.sched_getaffinity(0))
        if args.scheduler is None and many and args.jobs > cores:
            print(
                f"convkit grade: warning: --jobs {args.jobs} is more than the {cores} CPUs here; "
                "the judges will share them",
                file=sys.stderr,
            )
        # graded here
        launched = (
            early_slot(backend, config) if args.scheduler is None and not pooled_here else None
        )
        try:
            return grade_found(
                args, found, GradingRun(config, seed, assignment), backend, told, launched
            )
        finally:
            if launched is not None:
                launched.close()


def grade_found(
    args: argparse.Namespace,
    found: Collection,
    run: GradingRun,
    backend: Backend,
    told: str | None,
    launched: Slot | None,
) -> int:
    """`convkit grade` once its arguments are checked: grade, keep each result as it comes, write
    the output."""
    with signals_deferred():  # torch among them: a Ctrl-C meanwhile is handled once they are done
        from convkit.batch.run import grade_batch, pooled
        from convkit.errors import BackendError, ClusterError, OutError, SandboxError
        from convkit.output.escaping import line
        from convkit.output.journal import Journal, keys, reusable, settings_key
        from convkit.output.outdir import GRADED, fresh_folder
        from convkit.output.reports import load_charts, write_all
        from convkit.results import METADATA, GradeStatus

    if told:
        print(f"convkit grade: {told}", file=sys.stderr)
    nameless = [line(item.name, 300) for item in found.submissions if item.student.unlisted]
    if nameless:
        names = ", ".join(nameless[:SHOWN_SKIPPED]) + (", ..." if nameless[SHOWN_SKIPPED:] else "")
        said = f"{METADATA} names no student for {len(nameless)} submission(s): {names}"
        print(f"convkit grade: warning: {said}", file=sys.stderr)
    wanted = keys(found.submissions, settings_key(run, version()))
    reused = reusable(args.out, wanted) if args.resume else {}
    if args.resume:
        print(
            f"convkit grade: --resume: {len(reused)} of {len(wanted)} submission(s) already "
            "graded, kept",
            file=sys.stderr,
        )
    journal = Journal(args.out, wanted, reused)
    if args.scheduler is not None or pooled(
        args.jobs, len(wanted) - len(reused)
    ):  # judges grade elsewhere: this process idles
        threading.Thread(target=load_charts, name="convkit-charts", daemon=True).start()
    try:
        batch = grade_batch(
            found.submissions,
            run,
            backend,
            done=reused,
            on_result=journal.add,
            scheduler=args.scheduler,
            launched=launched,
        )
    except (SandboxError, BackendError) as error:
        none_graded = "nothing was graded (see `convkit doctor`, or try --backend plain)"
        print(f"convkit grade: {error}; {kept(journal, none_graded)}", file=sys.stderr)
        return 1
    except ClusterError as error:
        if not journal.keeps:
            raise CommandError(str(error)) from None
        print(f"convkit grade: {error}; {kept(journal)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"convkit grade: interrupted; {kept(journal)}", file=sys.stderr)
        return INTERRUPTED
    except OSError as error:  # writing a result (a full disk): what was written is kept
        print(f"convkit grade: {error}; {kept(journal)}", file=sys.stderr)
        return 1
    try:
        with fresh_folder(args.out, force=True, replaces=GRADED) as folder:
            write_all(
                batch,
                folder,
                run.seed,
                found.skipped,
                journal.records(batch.results),
                journal.written(),
            )
    except (OutError, OSError) as error:
        raise CommandError(str(error)) from None
    skipped = [f"not graded: {line(item.path, 300)}: {item.reason}" for item in found.skipped]
    shown(skipped, "files not graded")
    nothing = [result for result in batch.results if result.status is GradeStatus.NOTHING]
    empty = [f"nothing to grade: {line(r.name, 300)}{student(r)}: {r.problem}" for r in nothing]
    shown([f"{text}; it scores 0" for text in empty], "with nothing to grade")
    if batch.warning:
        print(f"convkit grade: warning: {batch.warning}", file=sys.stderr)
    ungradable = [result for result in batch.results if not result.gradable]
    isolation = batch.results[0].isolation if batch.results else "none"
    graded = len(batch.results) - len(nothing) - len(ungradable)
    also = f" ({len(nothing)} with nothing to grade)" if nothing else ""
    print(
        f"graded {graded} of {len(batch.results)} submission(s){also} with the "
        f"{batch.backend.name} sandbox (isolation: {isolation}); "
        f"see {args.out / 'grades.csv'} and {args.out / 'report.md'}"
    )
    for result in ungradable:
        print(
            f"convkit grade: {line(result.name, 300)} could not be graded: "
            f"{line(str(result.problem))}",
            file=sys.stderr,
        )
    return 1 if ungradable else 0


def shown(lines: list[str], what: str) -> None:
    """Tell the instructor `lines`, up to SHOWN_SKIPPED of them, then how many more there are."""
    for text in lines[:SHOWN_SKIPPED]:
        print(f"convkit grade: {text}", file=sys.stderr)
    if len(lines) > SHOWN_SKIPPED:
        more = f"... and {len(lines) - SHOWN_SKIPPED} more {what}; report.md lists them all"
        print(f"convkit grade: {more}", file=sys.stderr)


def student(result: SubmissionResult) -> str:
    """Whose the submission is, in words for the terminal (nothing where unknown)."""
    from convkit.output.escaping import line

    who = result.student
    named = ", ".join(filter(None, [line(who.name, 200), line(who.sid, 100)]))
    return f" ({named})" if named else ""


def kept(journal: Journal, otherwise: str = "nothing was graded") -> str:
    """What a batch that stopped early leaves, in words (`otherwise` where it leaves nothing)."""
    return (
        f"what was graded is in {journal.out}; run the same command with --resume to finish"
        if journal.keeps
        else otherwise
    )


def floor(args: argparse.Namespace, assignment: AssignmentConfig) -> Isolation:
    """The least isolation this run accepts: --min-isolation, else the course's choice."""
    from convkit.sandbox.backends import isolation_level

    return isolation_level(args.min_isolation) if args.min_isolation else assignment.min_isolation


def run_doctor(args: argparse.Namespace) -> int:
    """Start a real slot of each backend `auto` may use, strongest first, and say what isolation it
    gives;
    `auto` grades with the first that starts and reaches the course's least isolation."""
    from convkit.errors import SandboxError
    from convkit.sandbox.backends import Backend, candidates, short_of
    from convkit.sandbox.slot import Slot
    from convkit.settings.assignment import load as load_assignment

    try:
        least = floor(args, load_assignment(args.course))
    except ValueError as error:
        raise CommandError(str(error)) from None
    usable: list[tuple[str, Isolation]] = []
    for backend in candidates(Backend("bwrap", chosen=False, floor=Isolation.NONE)):
        label = "plain (no namespace)" if backend.degraded else backend.name
        if backend.degraded and any(name == "plain" for name, _ in usable):
            continue  # the plain sandbox has its namespace here
        why = backend.unavailable()
        if why is not None:
            print(f"{label}: does not start: {why}")
            continue
        try:
            with Slot(backend, GradingConfig(jobs=1)) as slot:
                detail = f" ({slot.detail})" if slot.detail else ""
                print(f"{label}: starts, isolation {slot.isolation}{detail}; {backend.describe()}")
                usable.append((label, slot.isolation))
        except SandboxError as error:
            print(f"{label}: does not start: {error}")
    enough = [(label, isolation) for label, isolation in usable if isolation.rank >= least.rank]
    if not enough:
        best = f"the best here is {usable[0][1]}" if usable else "no sandbox starts here"
        print(
            f"status: nothing can be graded: {best}, below the course's least isolation "
            f"({least}){short_of(least)}"
        )
        return 1
    print(
        f"status: `convkit grade --backend auto` grades with {enough[0][0]} (isolation "
        f"{enough[0][1]}; the course asks at least {least})"
    )
    return 0


def run_build(args: argparse.Namespace) -> int:
    with signals_deferred():  # torch among them: a Ctrl-C meanwhile is handled once they are done
        from convkit.handout.build import build
        from convkit.output.outdir import HANDOUT, ensure_usable, fresh_folder
        from convkit.settings.assignment import grader_image
        from convkit.settings.assignment import load as load_assignment
        from convkit.settings.course import course_seed

    try:
        ensure_usable(args.out, args.force, replaces=HANDOUT, course=args.course)
        seed, told = course_seed(args.course)
        assignment = load_assignment(args.course)
        image = grader_image(args.course)
        with fresh_folder(args.out, args.force, replaces=HANDOUT) as folder:
            build(folder, seed, assignment, update_template=args.update_template, image=image)
    except (ValueError, OSError) as error:  # a CommandError goes up as it is
        raise CommandError(str(error)) from None
    print(f"convkit build: {told}", file=sys.stderr)
    built = ", ".join(str(args.out / name) for name in ("student", "autograder.zip"))
    print(f"built {built} and {args.out / 'prairielearn'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
