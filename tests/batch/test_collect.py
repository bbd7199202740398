"""Finding submissions and their students: Gradescope exports (folder and zip), per-student folders,
loose files; every file graded or listed as skipped with its reason; names that never collide."""

from __future__ import annotations

import shutil
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from convkit.batch.collect import METADATA_BYTES, NO_FILE, NO_FOLDER, NOT_A_SUBMISSION, collect
from convkit.errors import UsageError
from convkit.results import METADATA, Submitter
from tests.conftest import REFERENCE, STUBS


def export(root: Path, students: int = 20) -> Path:
    """A Gradescope "Export Submissions" folder: 20 single-student submissions and a group, with the
    cases the issue names (two students uploading files of the same name, a student with two files,
    an empty folder)."""
    folder = root / "assignment_4242_export"
    metadata = {}
    for number in range(students):
        sub = folder / f"submission_{1000 + number}"
        sub.mkdir(parents=True)
        if number % 3 == 0:
            nbformat.write(
                nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(REFERENCE.read_text())]),
                sub / "convolutions.ipynb",
            )
        else:
            (sub / "convolutions.py").write_text(REFERENCE.read_text())
        metadata[sub.name] = {
            ":submitters": [
                {
                    ":name": f"Student {number}",
                    ":sid": f"S{number:03}",
                    ":email": f"s{number}@uni.edu",
                }
            ],
            ":score": None,
        }
    (folder / "submission_1001" / "notes.txt").write_text("my notes")
    (folder / "submission_1002" / "scratch.py").write_text("print('draft')")  # two candidate files
    (folder / "submission_1002" / "test_convolutions.py").write_text("# the public checks")
    for path in (folder / "submission_1003").iterdir():
        path.unlink()  # an empty folder
    group = folder / "submission_2000"
    group.mkdir()
    (group / "convolutions.py").write_text(STUBS.read_text())
    metadata[group.name] = {
        ":submitters": [
            {":name": "Ann", ":sid": "1", ":email": "a@x"},
            {":name": "Ben", ":sid": "2", ":email": "b@x"},
        ]
    }
    (folder / METADATA).write_text(yaml.safe_dump(metadata))
    return folder


def by_name(found: list) -> dict[str, object]:
    return {item.name: item for item in found}


def test_a_gradescope_export_folder_names_every_student_and_skips_nothing_silently(
    tmp_path: Path,
) -> None:
    folder = export(tmp_path)
    collection = collect([folder.parent], tmp_path / "scratch")
    found = by_name(collection.submissions)
    assert len(found) == 21  # one of them empty: a student with nothing to grade
    empty = found["submission_1003"]
    assert empty.nothing == NO_FILE and empty.student == Submitter(
        "Student 3", "S003", "s3@uni.edu"
    )
    assert [item.name for item in collection.submissions if item.nothing] == ["submission_1003"]
    assert found["submission_1000/convolutions.ipynb"].student == Submitter(
        "Student 0", "S000", "s0@uni.edu"
    )
    assert found["submission_2000/convolutions.py"].student == Submitter(
        "Ann; Ben", "1; 2", "a@x; b@x"
    )
    chosen = found["submission_1002/convolutions.py"]
    assert chosen.picked == "graded convolutions.py, one of 2 files (scratch.py not graded)"
    skipped = {
        Path(item.path).relative_to(folder).as_posix()
        if item.path.startswith(str(folder))
        else item.path: item.reason
        for item in collection.skipped
    }
    assert skipped["submission_1001/notes.txt"] == "not a submission (.py, .ipynb or .zip)"
    assert skipped["submission_1002/scratch.py"].startswith(
        "the same submission's convolutions.py was graded instead (the notebook named"
    )
    assert skipped["submission_1002/test_convolutions.py"].startswith(
        "a test_*.py file holds the public checks"
    )
    assert "submission_1003" not in skipped
    names = [item.name for item in collection.submissions]
    assert len(set(names)) == len(names)


def test_the_same_export_as_a_zip_is_read_safely(tmp_path: Path) -> None:
    folder = export(tmp_path / "unpacked", students=4)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zipped.write(path, path.relative_to(folder.parent).as_posix())
        zipped.writestr("assignment_4242_export/submission_1000/../../../escape.py", "x = 1")
        link = zipfile.ZipInfo("assignment_4242_export/submission_1001/link.py")
        link.external_attr = 0o120777 << 16
        zipped.writestr(link, "/etc/passwd")
        zipped.writestr("assignment_4242_export/submission_1001/huge.py", "#" * (3 << 20))
        zipped.writestr("assignment_4242_export/submission_1002/corrupt.py", "# CORRUPT-MARK")
    # its CRC no longer matches
    archive.write_bytes(archive.read_bytes().replace(b"# CORRUPT-MARK", b"# CORRUPT-MARX"))
    collection = collect([archive], tmp_path / "scratch")
    assert {item.name for item in collection.submissions} == {
        "submission_1000/convolutions.ipynb", "submission_1001/convolutions.py",
        "submission_1002/convolutions.py", "submission_2000/convolutions.py",
        "submission_1003",
    }  # fmt: skip
    # an empty folder has no member in this zip: the metadata names it
    assert by_name(collection.submissions)["submission_1003"].nothing == NO_FOLDER
    reasons = {item.path.rsplit("/", 1)[-1]: item.reason for item in collection.skipped}
    assert reasons["escape.py"] == reasons["link.py"] == "an unsafe path or a link in the zip"
    assert reasons["huge.py"] == "over 2 MiB"
    assert reasons["corrupt.py"].startswith("could not be read from the zip (Bad CRC-32")
    assert not (tmp_path / "escape.py").exists() and not any(
        (tmp_path / "scratch").rglob("escape.py")
    )
    assert all(item.student.name for item in collection.submissions)


def test_per_student_folders_and_loose_files(tmp_path: Path) -> None:
    for student in ("alice", "bob"):
        (tmp_path / "subs" / student).mkdir(parents=True)
        # the same file name twice
        (tmp_path / "subs" / student / "convolutions.ipynb").write_text("{}")
    (tmp_path / "subs" / "bob" / "old").mkdir()
    (tmp_path / "subs" / "bob" / "old" / "convolutions.py").write_text("x = 1")
    (tmp_path / "subs" / "carol.py").write_text("x = 1")
    (tmp_path / "subs" / "README.txt").write_text("hi")
    (tmp_path / "subs" / "empty").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "carol.py").write_text("x = 2")
    collection = collect(
        [tmp_path / "subs", tmp_path / "elsewhere" / "carol.py"], tmp_path / "scratch"
    )
    found = by_name(collection.submissions)
    notebooks = ["alice/convolutions.ipynb", "bob/convolutions.ipynb"]
    assert sorted(found) == [*notebooks, "elsewhere/carol.py", "empty", "subs/carol.py"]
    assert found["empty"].nothing == NO_FILE and found["empty"].student == Submitter("empty")
    assert found["alice/convolutions.ipynb"].student == Submitter("alice")
    assert found["subs/carol.py"].student == Submitter()
    assert (
        found["bob/convolutions.ipynb"].picked
        == "graded convolutions.ipynb, one of 2 files (convolutions.py not graded)"
    )
    reasons = {Path(item.path).name: item.reason for item in collection.skipped}
    assert reasons.pop("README.txt") == NOT_A_SUBMISSION and list(reasons) == ["convolutions.py"]


def test_every_submission_the_metadata_lists_is_found_and_one_it_does_not_is_flagged(
    tmp_path: Path,
) -> None:
    folder = export(tmp_path, students=4)
    metadata = yaml.safe_load((folder / METADATA).read_text())
    people = {":submitters": [{":name": "Zoe", ":sid": "Z9", ":email": "z@uni.edu"}]}
    # the last two can name no folder
    metadata |= {"submission_1500": people, "../outside": people, ".hidden": people}
    (folder / METADATA).write_text(yaml.safe_dump(metadata))
    (folder / "submission_1999").mkdir()
    shutil.copy(REFERENCE, folder / "submission_1999" / "convolutions.py")
    (folder / "submission_1999" / "empty").mkdir()
    (folder / "submission_1998").mkdir()
    found = by_name(collect([folder], tmp_path / "scratch").submissions)
    assert found["submission_1500"].nothing == NO_FOLDER
    assert found["submission_1500"].student == Submitter("Zoe", "Z9", "z@uni.edu")
    assert found["submission_1999/convolutions.py"].student == Submitter(unlisted=True)
    assert found["submission_1998"].student == Submitter(unlisted=True)
    assert found["submission_1998"].nothing == NO_FILE
    assert not any("outside" in name or "hidden" in name for name in found)
    assert [item.student.unlisted for item in found.values()].count(True) == 2


def test_misuse_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file or folder"):
        collect([tmp_path / "missing"], tmp_path)
    (tmp_path / "nothing").mkdir()
    with pytest.raises(UsageError, match="no submissions in"):
        collect([tmp_path / "nothing"], tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / METADATA).write_text(": : :\n- [")
    with pytest.raises(UsageError, match="is not valid YAML"):
        collect([bad], tmp_path)


LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{name}: &{name} [{', '.join([f'*{before}'] * 9)}]\n"
    for before, name in zip("abcdefgh", "bcdefghi", strict=True)
)
"""A "billion laughs": 9 ** 9 strings, written in 400 bytes."""


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (LAUGHS + "submission_1: {':submitters': [{':name': *i}]}\n", "its aliases expand it"),
        ("a: &a [*a]\n", "an alias refers to a node that holds it"),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", "it nests too deep"),
        ("x" * (METADATA_BYTES + 1), "is over 16 MiB"),
    ],
    ids=["billion-laughs", "recursive-alias", "deep", "too-large"],
)
def test_export_metadata_is_read_safely_or_refused_in_one_line(
    tmp_path: Path, text: str, said: str
) -> None:
    (tmp_path / "submission_1").mkdir()
    (tmp_path / "submission_1" / "convolutions.py").write_text(REFERENCE.read_text())
    (tmp_path / METADATA).write_text(text)
    started = time.process_time()  # CPU time: a loaded machine does not make it slower
    with pytest.raises(UsageError, match=said) as refused:
        collect([tmp_path], tmp_path / "scratch")
    assert "\n" not in str(refused.value) and time.process_time() - started < 10


def test_export_metadata_may_repeat_itself_with_aliases(tmp_path: Path) -> None:
    """Aliases that repeat a node a few times (as Ruby's YAML writes objects met twice) are read; a
    submitter's fields that are not text or numbers are left empty, never turned into text."""
    (tmp_path / "submission_1").mkdir()
    (tmp_path / "submission_1" / "convolutions.py").write_text(REFERENCE.read_text())
    people = "[{':name': Ada, ':sid': 7, ':email': [a, b]}]"
    metadata = f"submission_1: &one {{':submitters': &people {people}}}\ncopy: *one\n"
    (tmp_path / METADATA).write_text(metadata)
    listed, found = collect([tmp_path], tmp_path / "scratch").submissions
    assert found.student == Submitter("Ada", "7", "") and found.nothing is None
    # listed, no folder
    assert listed.name == "copy" and listed.student == found.student and listed.nothing
