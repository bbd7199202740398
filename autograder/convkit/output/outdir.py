"""Output folders that are never half-written: a run writes into a fresh sibling folder and moves it
into place only when it is complete. An existing folder that is not empty is replaced only when
asked (`--force`), and only with what the command writes: no command replaces the course's material
(its seed, a built handout, the submissions) or the other command's output."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from convkit.errors import OutError
from convkit.exercises.questions import ASSIGNMENT
from convkit.settings.course import SEED_FILE

MARKER = "grades.csv"
"""Every grading run's output holds it from its first result on."""
HANDOUT = "a built handout"
GRADED = "a grading run's output"
MATERIAL = {
    "the course's grading seed": (SEED_FILE,),
    HANDOUT: (f"student/{ASSIGNMENT}.ipynb", "autograder.zip"),
    GRADED: (MARKER,),
}
"""What a folder holds, by the files that show it: `convkit build` replaces only a handout,
`convkit grade` only a grading run's output, and nothing replaces the seed."""


ANOTHER = "choose another folder"


def ensure_usable(
    out: Path,
    force: bool,
    resume: bool = False,
    *,
    replaces: str,
    submissions: Sequence[Path] = (),
    course: Path | None = None,
) -> None:
    """Refuse early (before any work) what `fresh_folder` would refuse at the end: an `out` that is
    or holds the course folder or a submission, or lies inside a folder of submissions (grading them
    again would take its files for submissions); an `out` holding course material other than what
    this command writes (`replaces`, a kind of MATERIAL), even with `force`; an `out` that cannot be
    written. `resume` accepts a folder that a grading run wrote (it holds MARKER), and only such a
    folder."""
    if out.exists() and not out.is_dir():
        raise OutError(f"--out {out} is a file, not a folder")
    where = out.resolve()
    for path in submissions:
        if path.resolve().is_relative_to(where):
            raise OutError(f"--out {out} would replace the submissions ({path}); {ANOTHER}")
        if path.is_dir() and where.is_relative_to(path.resolve()):
            raise OutError(f"--out {out} is inside the submissions ({path}); {ANOTHER}")
    if course is not None and course.resolve().is_relative_to(where):
        raise OutError(f"--out {out} would replace the course folder ({course}); {ANOTHER}")
    writable(out)
    if not out.is_dir() or not any(out.iterdir()):
        return
    for what, names in MATERIAL.items():
        held = [name for name in names if (out / name).exists()]
        if held and what != replaces:
            never = f"which this command never replaces, even with --force; {ANOTHER}"
            raise OutError(f"--out {out} holds {what} ({held[0]}), {never}")
    if force:
        return
    if resume:
        if not (out / MARKER).is_file():
            raise OutError(
                f"--out {out} holds no {MARKER}, so no grading run wrote it; --resume only goes "
                "on with one"
            )
        return
    also = ", --resume to go on with the run that wrote it" if (out / MARKER).is_file() else ""
    raise OutError(
        f"--out {out} exists and is not empty; choose another folder{also}, or pass --force to "
        "replace it whole"
    )


def writable(out: Path) -> None:
    """Whether `out` and a sibling of it can be made (the run writes into a sibling, then moves it
    into place): tried for real in the nearest folder that exists, since permissions alone do not
    say (root, /proc)."""
    parent = out.resolve().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutError(f"--out {out} cannot be made: {parent} is a file")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".convkit-probe-", dir=parent))
    except OSError as error:
        raise OutError(
            f"--out {out} cannot be made in {parent}: {error.strerror or error}"
        ) from None


@contextmanager
def fresh_folder(out: Path, force: bool, replaces: str) -> Iterator[Path]:
    """A new empty folder beside `out` to write into; when the block ends without error it becomes
    `out` (replacing the old one whole, when `force` and `ensure_usable` allow), otherwise it is
    removed and `out` is left as it was."""
    ensure_usable(out, force, replaces=replaces)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    work.chmod(0o777 & ~umask)
    try:
        yield work
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        out.rename(old / out.name)
        work.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        work.rename(out)
