"""`python -m convkit.platforms.lockdown FOLDER...`: prepare a grading container (Gradescope,
PrairieLearn) as root.

Inside a container no sandbox can hide files by namespaces, so the files themselves are made to say
who may read them. Workers run under uids of their own, so that:

- the Python installation and the worker's own files must be reachable by other users: an image
  that installs Python under /root (otter's Miniforge does), or a job folder closed to others
  (PrairieLearn's /grade, where convkit travels in the question's tests/), gets `o+x` on the
  folders above them, which lets a worker through without listing them;
- the grader's secrets become readable by root alone: each FOLDER named (the autograder's source,
  which holds the course's seed, and its results), and the installed convkit package but its
  worker's files (the hidden checks, the oracle); a FOLDER that holds convkit (PrairieLearn's
  /grade/tests) keeps its worker's files. Landlock already keeps workers off them; this is what
  holds where only `uid only` can be had.

Not root: nothing to do (workers then keep your uid, and only Landlock can confine them). A checkout
of convkit (an editable install) is left as it is: it is a developer's, not a grading image's.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from convkit.worker.confine import python_trees, unsearchable_ancestor

PACKAGE = Path(__file__).resolve().parents[1]  # convkit itself


def reach_python() -> list[str]:
    """Let other users through the folders above the Python installation and the worker's own files;
    the folders changed."""
    opened = []
    for tree in [*python_trees(), str(PACKAGE / "worker")]:
        while (blocker := unsearchable_ancestor(tree)) is not None:
            os.chmod(blocker, os.stat(blocker).st_mode | stat.S_IXOTH)
            opened.append(blocker)
    return opened


def root_only(path: Path, keep: Path | None = None) -> None:
    """Take group and others' rights on `path` and all beneath it, but on `keep` (and what leads to
    it, which stays traversable)."""
    if keep is not None and path == keep:
        return
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        return
    leads_to_keep = keep is not None and keep.is_relative_to(path)
    os.chmod(path, (stat.S_IMODE(mode) & ~0o077) | (0o011 if leads_to_keep else 0))
    if stat.S_ISDIR(mode):
        for entry in sorted(path.iterdir()):
            root_only(entry, keep)


def installed() -> bool:
    """Whether this convkit was installed into the Python installation (a grading image), not
    checked out."""
    return any(PACKAGE.is_relative_to(tree) for tree in python_trees())


def main(argv: list[str]) -> int:
    if os.geteuid() != 0:
        print("convkit lockdown: not root, nothing to do (workers keep your uid)")
        return 0
    for blocker in reach_python():
        print(f"convkit lockdown: {blocker} lets other users through (o+x), to Python and workers")
    folders = [Path(argument).resolve() for argument in argv]
    if installed():
        folders.append(PACKAGE)
    worker = PACKAGE / "worker"  # a worker's own files, wherever convkit is (in a FOLDER too)
    for folder in folders:
        if folder.exists():
            root_only(folder, keep=worker if worker.is_relative_to(folder) else None)
            print(f"convkit lockdown: {folder} is readable by root alone")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
