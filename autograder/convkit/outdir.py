"""Output folders that are never half-written: a run writes into a fresh sibling folder and moves it into place
only when it is complete. An existing folder that is not empty is replaced only when asked (`--force`)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

MARKER = "grades.csv"
"""Every grading run's output holds it from its first result on."""


class OutError(Exception):
    """`--out` cannot be used as asked; the message says how to fix it."""


def check(out: Path, force: bool, resume: bool = False, keep: Mapping[str, Sequence[Path]] | None = None) -> None:
    """Refuse early (before any work) what `fresh_folder` would refuse at the end, an `out` that is or holds a
    path of `keep` (by what it is: the submissions, the course folder with its seed), which replacing `out` whole
    would delete, and an `out` that cannot be written. `resume` accepts a folder that a grading run wrote (it
    holds MARKER), and only such a folder."""
    if out.exists() and not out.is_dir():
        raise OutError(f"--out {out} is a file, not a folder")
    where = out.resolve()
    for what, paths in (keep or {}).items():
        for path in paths:
            if path.resolve().is_relative_to(where):
                raise OutError(f"--out {out} would replace {what} ({path}); choose another folder")
    writable(out)
    if not out.is_dir() or not any(out.iterdir()) or force:
        return
    if resume:
        if not (out / MARKER).is_file():
            raise OutError(f"--out {out} holds no {MARKER}, so no grading run wrote it; --resume only goes on with one")
        return
    also = ", --resume to go on with the run that wrote it" if (out / MARKER).is_file() else ""
    raise OutError(f"--out {out} exists and is not empty; choose another folder{also}, or pass --force to replace it whole")


def writable(out: Path) -> None:
    """Whether `out` and a sibling of it can be made (the run writes into a sibling, then moves it into place):
    tried for real in the nearest folder that exists, since permissions alone do not say (root, /proc)."""
    parent = out.resolve().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise OutError(f"--out {out} cannot be made: {parent} is a file")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".convkit-probe-", dir=parent))
    except OSError as error:
        raise OutError(f"--out {out} cannot be made in {parent}: {error.strerror or error}") from None


@contextmanager
def fresh_folder(out: Path, force: bool) -> Iterator[Path]:
    """A new empty folder beside `out` to write into; when the block ends without error it becomes `out`
    (replacing the old one whole, when `force`), otherwise it is removed and `out` is left as it was."""
    check(out, force)
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
