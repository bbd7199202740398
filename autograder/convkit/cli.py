"""The `convkit` command: a thin layer over grading, building and the sandbox check."""

from __future__ import annotations

import argparse
import secrets
import sys
from dataclasses import fields
from pathlib import Path

from .config import GradingConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="convkit", description="Auto-graded exercises for D2L 6.2-6.5.")
    verbs = parser.add_subparsers(dest="verb", required=True)

    grade = verbs.add_parser("grade", help="grade submissions in sandboxes; write grades.csv, results.json and a report")
    grade.add_argument("submissions", nargs="+", type=Path, help=".py, .ipynb or grader.export() .zip files, or folders of them")
    grade.add_argument("--out", required=True, type=Path, help="folder for grades.csv, one results.json per submission, report.md")
    grade.add_argument("--backend", default="auto", help="auto (bubblewrap when installed), bwrap, or plain")
    grade.add_argument("--seed", type=int, help="replay a run's inputs (default: a fresh random seed)")
    for item in fields(GradingConfig):
        grade.add_argument(f"--{item.name.replace('_', '-')}", type=int, default=item.default, help=item.metadata["description"])

    verbs.add_parser("doctor", help="say which sandbox backend is active and whether it starts")

    build = verbs.add_parser("build", help="build the student handout and the otter autograder zip")
    build.add_argument("--out", required=True, type=Path, help="output folder")
    build.add_argument("--update-template", action="store_true", help="also rewrite the repository's student_template/")

    args = parser.parse_args(argv)
    try:
        return {"grade": run_grade, "doctor": run_doctor, "build": run_build}[args.verb](args)
    except UserFacingError as error:
        print(f"convkit {args.verb}: {error}", file=sys.stderr)
        return 2


class UserFacingError(Exception):
    pass


def run_grade(args: argparse.Namespace) -> int:
    from .backends import BackendError, choose
    from .batch import grade_batch
    from .engine import SandboxError
    from .reports import write_all
    from .submissions import UsageError, collect

    try:
        config = GradingConfig(**{item.name: getattr(args, item.name) for item in fields(GradingConfig)})
        backend = choose(args.backend)
        paths = collect(args.submissions)
    except (ValueError, BackendError, UsageError) as error:
        raise UserFacingError(error) from None
    if args.out.exists() and not args.out.is_dir():
        raise UserFacingError(f"--out {args.out} is a file, not a folder")
    seed = args.seed if args.seed is not None else secrets.randbits(62)
    try:
        results = grade_batch(paths, config, backend, seed)
    except SandboxError as error:
        print(f"convkit grade: {error}; nothing was graded (see `convkit doctor`, or try --backend plain)", file=sys.stderr)
        return 1
    write_all(results, args.out, seed, backend.name)
    print(f"graded {len(results)} submission(s) with the {backend.name} sandbox; see {args.out / 'grades.csv'} and {args.out / 'report.md'}")
    return 0


def run_doctor(args: argparse.Namespace) -> int:
    from .backends import choose, probe

    backend = choose("auto")
    problem = probe(backend)
    print(f"backend: {backend.describe()}")
    if problem:
        print(f"problem: the sandbox does not start: {problem}")
        return 1
    print("status: the sandbox starts")
    return 0


def run_build(args: argparse.Namespace) -> int:
    from .build import build

    try:
        build(args.out, update_template=args.update_template)
    except (OSError, ValueError) as error:
        raise UserFacingError(error) from None
    print(f"built {args.out / 'student'} and {args.out / 'autograder.zip'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
