"""The course folder, where an instructor runs convkit: it keeps the assignment's grading seed, a secret.

The seed decides every hidden input. It is drawn once, the first time the course builds or grades, written to
`convkit-seed.txt` in the course folder (readable by its owner only), copied into `autograder.zip` (never into the
student bundle), and used by every later build and grading run, so a regrade gives byte-identical results.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from .inputs import read_text

SEED_FILE = "convkit-seed.txt"
SEED_BYTES = 4 << 10
"""The largest seed file read: it holds a comment and one number."""
HEADER = (
    "# convkit's grading seed for this course: it decides every hidden input, so keep it secret (not in a public\n"
    "# repository, never in what students get). Grading with it again gives the same results; delete it (or grade\n"
    "# with --seed fresh) for new inputs.\n"
)


class SeedError(Exception):
    """The seed file or option is unusable; the message says how to fix it."""


def fresh_seed() -> int:
    return secrets.randbits(62)


def parse_seed(text: str) -> int:
    """A seed as the command line or the seed file gives it: a non-negative integer below 2**63."""
    try:
        seed = int(text.strip())
    except ValueError:
        raise SeedError(f"{text.strip()[:40]!r} is not a seed: use a non-negative integer or 'fresh'") from None
    if not 0 <= seed < 2**63:
        raise SeedError(f"the seed must be between 0 and 2**63 - 1, not {seed}")
    return seed


def course_seed(folder: Path) -> tuple[int, bool]:
    """The course's seed, and whether it was created now (the caller says so to the instructor)."""
    path = folder / SEED_FILE
    if path.is_file():
        rows = read_text(path, SEED_BYTES, SeedError).splitlines()
        lines = [row for row in rows if row.strip() and not row.lstrip().startswith("#")]
        if len(lines) != 1:
            raise SeedError(f"{path} should hold one seed line; delete it to draw a new seed")
        try:
            return parse_seed(lines[0]), False
        except SeedError as error:
            raise SeedError(f"{path}: {error}") from None
    if path.exists():
        raise SeedError(f"{path} exists but is not a file")
    seed = fresh_seed()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise SeedError(f"cannot write the course's seed to {path}: {error.strerror}") from None
    with os.fdopen(descriptor, "w") as handle:
        handle.write(f"{HEADER}{seed}\n")
    return seed, True


def resolve_seed(option: str | None, folder: Path) -> tuple[int, str | None]:
    """The seed for a run (`--seed N`, `--seed fresh`, or the course's), and a line to tell the instructor."""
    if option is None:
        seed, created = course_seed(folder)
        return seed, (f"drew the course's grading seed and kept it in {folder / SEED_FILE}; keep that file secret" if created else None)
    if option == "fresh":
        seed = fresh_seed()
        return seed, f"graded with a fresh seed, {seed}; replay it with --seed {seed}"
    return parse_seed(option), None
