"""Output folders that are never half-written: a run writes into a fresh sibling folder and moves it into place
only when it is complete. An existing folder that is not empty is replaced only when asked (`--force`)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MARKER = "grades.csv"
"""Every grading run's output holds it from its first result on."""


class OutError(Exception):
    """`--out` cannot be used as asked; the message says how to fix it."""


def check(out: Path, force: bool, resume: bool = False) -> None:
    """Refuse early (before any work) what `fresh_folder` would refuse at the end. `resume` accepts a folder that
    a grading run wrote (it holds MARKER), and only such a folder."""
    if out.exists() and not out.is_dir():
        raise OutError(f"--out {out} is a file, not a folder")
    if not out.is_dir() or not any(out.iterdir()) or force:
        return
    if resume:
        if not (out / MARKER).is_file():
            raise OutError(f"--out {out} holds no {MARKER}, so no grading run wrote it; --resume only goes on with one")
        return
    also = ", --resume to go on with the run that wrote it" if (out / MARKER).is_file() else ""
    raise OutError(f"--out {out} exists and is not empty; choose another folder{also}, or pass --force to replace it whole")


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
