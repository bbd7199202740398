"""Finding the submissions in what an instructor passes to `convkit grade`, and whose each one is.

Accepted, in any mix: loose `.py`, `.ipynb` and `grader.export()` `.zip` files; a folder of them; a
folder of per-student subfolders (the subfolder's name is the student); Gradescope's "Export
Submissions" folder or zip (`submission_metadata.yml` names each `submission_<id>/` folder's
submitters: name, sid, email).

Every input file is either graded or listed as skipped with its reason. A submission with several
candidate files is graded on one, picked by `RULE`, and the others are listed as skipped, naming the
one graded. Every student is a submission: a student's folder without a file to grade, or an
export's submission that the metadata lists without a folder, has nothing to grade (a row of zero,
with the reason). Names never collide: each submission is named by the shortest tail of its path
that no other one shares.
"""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from convkit.errors import UsageError
from convkit.exercises.questions import ASSIGNMENT
from convkit.grading.submissions import MAX_BYTES, SUFFIXES
from convkit.results import METADATA, Skipped, Submitter
from convkit.settings.inputs import load_yaml

RULE = (
    f"the notebook named {ASSIGNMENT}.ipynb first, then {ASSIGNMENT}.py, then any other notebook, "
    "then a grader.export() zip, then any other .py (test_*.py files are the public checks, "
    "never a submission); "
    "among equals, the first by name"
)
IGNORED = ("__MACOSX", ".ipynb_checkpoints", "__pycache__")
MAX_MEMBERS = 100_000
METADATA_BYTES = 16 << 20
"""The largest submission_metadata.yml read: Gradescope's holds a few hundred bytes a submission."""
NOT_A_SUBMISSION = "not a submission (.py, .ipynb or .zip)"
PUBLIC_CHECKS = "a test_*.py file holds the public checks, not a submission"
NO_FILE = "no .py, .ipynb or .zip file in its folder"
NO_FOLDER = f"{METADATA} lists it, but the export holds no folder for it"
FOLDER_NAME = re.compile(r"[\w-][\w.-]*")
"""A metadata entry that can name a submission's folder (one plain path component)."""


@dataclass(frozen=True)
class Found:
    """One submission to grade: its file, its unique name, its student (empty fields where unknown),
    and why this file was picked among several (None when it was the only one)."""

    path: Path
    name: str
    student: Submitter = Submitter()
    picked: str | None = None
    nothing: str | None = None
    """Why the submission has no file to grade (`path` is then its folder, never read): scored 0."""


@dataclass
class Collection:
    submissions: list[Found] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass(frozen=True)
class _Unit:
    """The candidate files of one submission before names are given."""

    candidates: tuple[Path, ...]
    student: Submitter
    where: str
    """How to name the submission when it is empty (a folder)."""
    folder: Path | None = None
    """The submission's own folder, whose name always starts the submission's name."""
    empty: str = NO_FILE
    """Why it has nothing to grade when it has no candidate."""


def collect(inputs: list[Path], scratch: Path) -> Collection:
    """Every submission in `inputs`. A Gradescope export zip is unpacked, safely, under
    `scratch`."""
    units: list[_Unit] = []
    skipped: list[Skipped] = []
    for path in inputs:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        if path.is_file() and path.suffix == ".zip" and _export_zip(path):
            folder = scratch / f"export-{len(units)}"
            skipped += _unpack(path, folder)
            units += _export(_metadata_folder(folder) or folder, skipped)
        elif path.is_file():
            if path.suffix in SUFFIXES:
                units.append(_Unit((path,), Submitter(), path.name))
            else:
                skipped.append(Skipped(str(path), "not a .py, .ipynb or .zip file"))
        elif (root := _metadata_folder(path)) is not None:
            units += _export(root, skipped)
        else:
            units += _folder(path, skipped)
    if not any(unit.candidates for unit in units):
        raise UsageError(
            f"no submissions in {' '.join(map(str, inputs))} (looked for .py, .ipynb and .zip "
            "files)"
        )
    return Collection(_name(units, skipped), skipped)


def _folder(folder: Path, skipped: list[Skipped]) -> list[_Unit]:
    """Loose files in it are submissions of unknown students; each subfolder is one student's
    submission."""
    units = []
    for entry in _entries(folder):
        if entry.is_dir():
            units.append(
                _Unit(_candidates(entry, skipped), Submitter(name=entry.name), str(entry), entry)
            )
        elif entry.suffix in SUFFIXES and not entry.name.startswith("test_"):
            units.append(_Unit((entry,), Submitter(), entry.name))
        else:
            skipped.append(
                Skipped(str(entry), PUBLIC_CHECKS if entry.suffix in SUFFIXES else NOT_A_SUBMISSION)
            )
    return units


def _entries(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if not p.name.startswith(".") and p.name not in IGNORED and not p.is_symlink()
    )


def _candidates(folder: Path, skipped: list[Skipped]) -> tuple[Path, ...]:
    """The submission files anywhere in one submission's folder; the rest is listed as skipped."""
    found = []
    for path in sorted(folder.rglob("*")):
        parts = path.relative_to(folder).parts
        if (
            any(part.startswith(".") or part in IGNORED for part in parts)
            or path.is_symlink()
            or not path.is_file()
        ):
            continue
        if path.suffix in SUFFIXES and not path.name.startswith("test_"):
            found.append(path)
        else:
            skipped.append(
                Skipped(str(path), PUBLIC_CHECKS if path.suffix in SUFFIXES else NOT_A_SUBMISSION)
            )
    return tuple(found)


def _rank(path: Path) -> tuple[int, str]:
    order = {f"{ASSIGNMENT}.ipynb": 0, f"{ASSIGNMENT}.py": 1}
    rank = order.get(path.name, {".ipynb": 2, ".zip": 3, ".py": 4}[path.suffix])
    return rank, str(path)


def _pick(unit: _Unit, skipped: list[Skipped]) -> tuple[Path, str | None] | None:
    if not unit.candidates:
        return None
    chosen, *others = sorted(unit.candidates, key=_rank)
    for other in others:
        skipped.append(
            Skipped(str(other), f"the same submission's {chosen.name} was graded instead ({RULE})")
        )
    picked = (
        f"graded {chosen.name}, one of {len(unit.candidates)} files "
        f"({', '.join(p.name for p in others)} not graded)"
        if others
        else None
    )
    return chosen, picked


def _name(units: list[_Unit], skipped: list[Skipped]) -> list[Found]:
    """Pick each unit's file (a unit without one is its folder, with nothing to grade) and name it
    by the shortest tail of its path that is unique in the batch and starts, for a submission
    folder, with that folder's name."""
    picked: list[tuple[_Unit, Path, str | None, str | None]] = []
    for unit in units:
        choice = _pick(unit, skipped)
        if choice is None:
            assert unit.folder is not None  # only a submission's folder can have no candidate
            picked.append((unit, unit.folder, None, unit.empty))
        else:
            picked.append((unit, *choice, None))
    parts = [path.resolve().parts for _, path, _, _ in picked]
    names = []
    for (unit, path, _, _), mine in zip(picked, parts, strict=True):
        depth = 1 + (len(path.relative_to(unit.folder).parts) if unit.folder is not None else 0)
        while depth < len(mine) and sum(other[-depth:] == mine[-depth:] for other in parts) > 1:
            depth += 1
        names.append("/".join(mine[-depth:]))
    return [
        Found(path, name, unit.student, note, nothing)
        for (unit, path, note, nothing), name in zip(picked, names, strict=True)
    ]


def _metadata_folder(folder: Path) -> Path | None:
    """The folder holding submission_metadata.yml: this one or one level down (the export's own
    folder)."""
    if (folder / METADATA).is_file():
        return folder
    inside = (
        [p for p in folder.iterdir() if p.is_dir() and (p / METADATA).is_file()]
        if folder.is_dir()
        else []
    )
    return inside[0] if len(inside) == 1 else None


def _export(root: Path, skipped: list[Skipped]) -> list[_Unit]:
    """One unit per submission_<id>/ folder and per submission the metadata lists without one, its
    students from the metadata (a group's names joined by '; ')."""
    try:
        metadata = load_yaml(root / METADATA, METADATA_BYTES, UsageError) or {}
    except OSError as error:
        raise UsageError(f"cannot read {root / METADATA}: {error.strerror or error}") from None
    if not isinstance(metadata, dict):
        raise UsageError(
            f"{root / METADATA} is not a Gradescope export's metadata (expected one entry per "
            "submission)"
        )
    folders = {}
    for entry in _entries(root):
        if entry.is_dir():
            folders[entry.name] = entry
        elif entry.name != METADATA:
            skipped.append(Skipped(str(entry), "not a submission folder of the export"))
    listed = {key for key in metadata if isinstance(key, str) and FOLDER_NAME.fullmatch(key)}
    units = []
    for name in sorted(folders.keys() | listed):
        folder = folders.get(name)
        student = _submitters(metadata.get(name))
        if folder is None:  # never looked at: only its name is used
            units.append(_Unit((), student, str(root / name), root / name, NO_FOLDER))
        else:
            units.append(_Unit(_candidates(folder, skipped), student, str(folder), folder))
    return units


def _submitters(entry: object) -> Submitter:
    people = (
        (entry.get(":submitters") or entry.get("submitters")) if isinstance(entry, dict) else None
    )
    people = [p for p in people if isinstance(p, dict)] if isinstance(people, list) else []

    def field_of(key: str) -> str:
        values = (p.get(f":{key}", p.get(key, "")) for p in people)  # text, never an object's str
        return "; ".join(str(v) for v in values if type(v) in (str, int)).strip("; ")

    return Submitter(field_of("name"), field_of("sid"), field_of("email"), unlisted=not people)


def _export_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return any(
                PurePosixPath(name).name == METADATA and len(PurePosixPath(name).parts) <= 2
                for name in archive.namelist()
            )
    except (zipfile.BadZipFile, OSError, NotImplementedError, EOFError):
        return False


def _unpack(path: Path, folder: Path) -> list[Skipped]:
    """Extract an export zip's regular files, each at most MAX_BYTES (the metadata too), never
    outside `folder`: no absolute paths, no '..', no links. What is left out is listed as
    skipped."""
    skipped = []
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise UsageError(f"{path} holds {len(members)} files; an export has far fewer")
        for member in members:
            parts = PurePosixPath(member.filename.replace("\\", "/")).parts
            where = f"{path}:{member.filename}"
            if any(part in IGNORED for part in parts):
                continue
            if (
                not parts
                or parts[0] == "/"
                or ".." in parts
                or stat.S_ISLNK(member.external_attr >> 16)
            ):
                skipped.append(Skipped(where, "an unsafe path or a link in the zip"))
            elif member.is_dir():  # an empty one is a student's, who handed in nothing
                folder.joinpath(*parts).mkdir(parents=True, exist_ok=True)
            elif member.file_size > MAX_BYTES:
                skipped.append(Skipped(where, f"over {MAX_BYTES >> 20} MiB"))
            else:
                try:
                    with archive.open(member) as source:
                        # whatever the header claims: a zip bomb lies about sizes
                        data = source.read(MAX_BYTES + 1)
                except (
                    zipfile.BadZipFile,
                    zlib.error,
                    NotImplementedError,
                    EOFError,
                    RuntimeError,
                ) as error:
                    skipped.append(
                        Skipped(where, f"could not be read from the zip ({str(error)[:80]})")
                    )
                    continue
                if len(data) > MAX_BYTES:
                    skipped.append(Skipped(where, f"over {MAX_BYTES >> 20} MiB"))
                    continue
                target = folder.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
    return skipped
