"""Grading where courses grade: inside a container with Docker's default confinement (no namespaces,
no CAP_SYS_ADMIN, Docker's seccomp profile), as Gradescope, PrairieLearn and Kubernetes run graders
(`tests/dockerlike.py`). `auto` grades there with the landlock backend, gives the grades it gives
elsewhere, and no worker gets past its walls."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import nbformat
import pytest

from convkit.checking.checks import all_points
from convkit.handout.build import build
from convkit.handout.notebook import NOTEBOOK_NAME
from convkit.settings.assignment import load as load_assignment
from convkit.worker import landlock
from convkit.worker.confine import unsearchable_ancestor
from tests.conftest import REFERENCE, REPO, docker_like, expand
from tests.otter_fixtures import notebooks as nb

pytestmark = [
    pytest.mark.skipif(
        os.geteuid() != 0,
        reason="a container's grader runs as root; these tests emulate one as root",
    ),
    pytest.mark.skipif(
        landlock.available() is not None, reason=f"no Landlock here: {landlock.available()}"
    ),
]
POINTS = all_points()
SEED = 20261207
ONE_BUG = REPO / "tests" / "corpora" / "catalog" / "pool2d__modes_swapped.py"


def run(
    *command: str | Path,
    cwd: Path,
    reachable_root: bool = True,
    binds: dict[str, Path] | None = None,
) -> subprocess.CompletedProcess[str]:
    inside = docker_like(*command, binds=binds, reachable_root=reachable_root)
    return subprocess.run(inside, capture_output=True, text=True, timeout=600, cwd=cwd)


def test_doctor_finds_landlock_where_no_namespace_can_be_made(tmp_path: Path) -> None:
    done = run(sys.executable, "-m", "convkit.cli", "doctor", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (
        "bwrap: does not start" in done.stdout
        and "plain: does not start: no mount namespace here" in done.stdout
    )
    assert f"landlock: starts, isolation landlock (Landlock ABI {landlock.abi()})" in done.stdout
    assert (
        "status: `convkit grade --backend auto` grades with landlock (isolation landlock;"
        in done.stdout
    )


def test_a_python_other_users_cannot_reach_is_named_with_the_fix(tmp_path: Path) -> None:
    """Workers run under a uid of their own: a Python installed under a closed /root (otter's
    Miniforge is) is out of their reach, and the sandbox says which folder and how to open it, never
    grading with a broken one."""
    blocker = unsearchable_ancestor(os.__file__)
    if blocker is None:
        pytest.skip("this Python is reachable by other users")
    done = run(sys.executable, "-m", "convkit.cli", "doctor", cwd=tmp_path, reachable_root=False)
    assert done.returncode == 1, done.stdout
    assert (
        f"{blocker} is closed to other users (chmod o+x {blocker} lets them through it)"
        in done.stdout
    )
    assert "status: nothing can be graded" in done.stdout and "uid only: starts" not in done.stdout


def test_grades_in_a_container_are_those_graded_elsewhere(tmp_path: Path) -> None:
    """The reference and a one-bug file: the same grades.csv, byte for byte, as the same run outside
    the container with the strongest backend here, with landlock stated in the terminal and the
    report."""
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    shutil.copy(REFERENCE, submissions / "reference.py")
    expand(ONE_BUG, submissions)
    grade = [
        sys.executable,
        "-m",
        "convkit.cli",
        "grade",
        submissions,
        "--seed",
        str(SEED),
        "--jobs",
        "1",
    ]
    inside = run(*grade, "--out", tmp_path / "inside", cwd=tmp_path)
    assert inside.returncode == 0, inside.stdout + inside.stderr
    assert "with the landlock sandbox (isolation: landlock)" in inside.stdout
    outside = subprocess.run(
        [*map(str, grade), "--out", str(tmp_path / "outside")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert outside.returncode == 0, outside.stderr
    csv = (tmp_path / "inside" / "grades.csv").read_text()
    assert csv == (tmp_path / "outside" / "grades.csv").read_text()
    assert ",35,graded," in csv and "pool2d__modes_swapped.py" in csv
    assert "sandbox landlock (landlock)" in (tmp_path / "inside" / "report.md").read_text()


def test_below_the_courses_floor_nothing_is_graded_and_the_message_says_how(tmp_path: Path) -> None:
    (tmp_path / "convkit.toml").write_text('[sandbox]\nmin_isolation = "namespace+uid"\n')
    shutil.copy(REFERENCE, tmp_path / "reference.py")
    done = run(
        sys.executable,
        "-m",
        "convkit.cli",
        "grade",
        "reference.py",
        "--out",
        "graded",
        "--seed",
        "1",
        cwd=tmp_path,
    )
    assert done.returncode == 1 and not (tmp_path / "graded").exists()
    assert "no sandbox gives the course's least isolation (namespace+uid) here" in done.stderr
    assert "grade as root where mount namespaces are allowed" in done.stderr
    lowered = run(
        sys.executable,
        "-m",
        "convkit.cli",
        "grade",
        "reference.py",
        "--out",
        "graded",
        "--seed",
        "1",
        "--min-isolation",
        "landlock",
        cwd=tmp_path,
    )
    assert lowered.returncode == 0, lowered.stderr


ESCAPE = (
    r"""
import ctypes, os, signal, socket, tempfile

def escape(judge, port, secrets):
    got = []
    for path in secrets:
        try:
            with open(path, "rb") as handle:
                handle.read(1)
            got.append("read " + path)
        except OSError:
            pass
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        got.append("connected to 127.0.0.1")
    except OSError:
        pass
    for pid in (judge, os.getppid()):
        try:
            os.kill(pid, 0)
            got.append(f"may signal {pid}")
        except OSError:
            pass
        if ctypes.CDLL(None, use_errno=True).ptrace(16, pid, 0, 0) == 0:
            got.append(f"ptraced {pid}")
    for place in ("/tmp", "/var/tmp", "/dev/shm", os.path.dirname(os.getcwd()), "/", "/autograder"):
        try:
            os.close(os.open(os.path.join(place, "convkit-escaped"), os.O_CREAT | os.O_WRONLY | """
    r"""os.O_EXCL, 0o600))
            got.append("wrote in " + place)
        except OSError:
            pass
    with open(os.path.join(tempfile.gettempdir(), "left-behind"), "w") as handle:
        handle.write("an answer for the next submission")
    return got

def fill():
    for number in range(1000):
        with open(f"filler-{number}", "wb") as handle:
            handle.write(b"x" * (1 << 20))
    return "wrote 1000 MB"

def look():
    seen = sorted(os.listdir(tempfile.gettempdir()))
    try:
        return seen + sorted(os.listdir("/tmp"))
    except OSError:
        return seen
"""
)

PROBE = (
    r"""
import json, os, socket, sys, threading
from convkit.settings.limits import GradingConfig
from convkit.sandbox.backends import Backend
from convkit.errors import WorkerFailed
from convkit.sandbox.session import Session
from convkit.sandbox.slot import Slot
from convkit.grading.submissions import Cell, Submission

server = socket.create_server(("127.0.0.1", 0))
threading.Thread(target=lambda: [server.accept()[0].close() for _ in iter(int, 1)], """
    r"""daemon=True).start()
config = GradingConfig(jobs=1, call_timeout=30, cell_timeout=30, submission_timeout=300)
cells = [Cell(open(sys.argv[1]).read(), 1)]

def session(slot):
    return Session(slot, Submission("probe.py", cells), config)

with Slot(Backend("landlock"), config) as slot:
    first = session(slot)
    escaped = first.call("escape", os.getpid(), server.getsockname()[1], sys.argv[2:]).result
    first.kill()
    filler = session(slot)
    try:
        filled = filler.call("fill").result
    except WorkerFailed as failure:
        filled = [str(failure), failure.reason]
    filler.kill()
    second = session(slot)
    seen = second.call("look").result
    second.kill()
print(json.dumps({"escaped": escaped, "filled": filled, "seen": seen, "isolation": """
    r"""str(slot.isolation)}))
"""
)


def test_no_landlock_worker_gets_past_its_walls(tmp_path: Path) -> None:
    """A worker tries to read the course's seed, the hidden checks, the oracle and the reference by
    path, to connect to a server on 127.0.0.1, to signal and ptrace the judge and its zygote, to
    write outside its scratch folder (a harness's /autograder included), and to fill that folder;
    the next submission of the slot finds nothing the first left."""
    course = tmp_path / "course"
    course.mkdir()
    (course / "convkit-seed.txt").write_text("12345\n")
    harness = tmp_path / "autograder"
    (harness / "source").mkdir(parents=True)
    (harness / "source" / "otter_config.json").write_text('{"seed": 12345}')
    package = REPO / "autograder" / "convkit"
    secrets = [
        course / "convkit-seed.txt", Path("/autograder/source/otter_config.json"),
        package / "exercises" / "hidden" / "test_corr2d.py",
        package / "exercises" / "oracle.py", REFERENCE, REPO / "pyproject.toml",
    ]  # fmt: skip
    (tmp_path / "escape.py").write_text(ESCAPE)
    (tmp_path / "probe.py").write_text(PROBE)
    done = run(
        sys.executable,
        tmp_path / "probe.py",
        tmp_path / "escape.py",
        *secrets,
        cwd=course,
        binds={"/autograder": harness},
    )
    for place in ("/tmp", "/var/tmp", "/dev/shm", "/"):
        Path(place, "convkit-escaped").unlink(missing_ok=True)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["isolation"] == "landlock"
    assert found["escaped"] == [], f"a landlock worker got through: {found['escaped']}"
    assert "scratch full: it wrote more than 64 MB (or 4096 files)" in found["filled"][0], found[
        "filled"
    ]
    assert found["filled"][1] == "wrote too many temporary files"
    assert "left-behind" not in found["seen"] and not any(
        name.startswith("filler-") for name in found["seen"]
    ), found["seen"]
    assert (
        not list((harness / "source").glob("convkit-escaped"))
        and not (harness / "convkit-escaped").exists()
    )


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One `convkit build`, and the lines of its zip's run_autograder that grade (not the
    environment's set-up)."""
    root = tmp_path_factory.mktemp("gradescope")
    build(root / "build", SEED, load_assignment())
    return {
        "root": root,
        "zip": root / "build" / "autograder.zip",
        "handout": root / "build" / "student" / NOTEBOOK_NAME,
    }


def submission_files(kind: str, handout: Path, folder: Path) -> None:
    """A submission as Gradescope lays it out in /autograder/submission: the file uploaded, or what
    an uploaded zip (a `grader.export()`) holds, which Gradescope extracts there."""
    folder.mkdir(parents=True)
    if kind == "py":
        shutil.copy(REFERENCE, folder / "convolutions.py")
        return
    book = nbformat.writes(nb.solved(handout))
    if kind == "ipynb":
        (folder / NOTEBOOK_NAME).write_text(book)
        return
    export = io.BytesIO()
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr(NOTEBOOK_NAME, book)
        archive.writestr(".OTTER_LOG", b"a pickle the plugin removes unread")
    zipfile.ZipFile(export).extractall(folder)


def run_gradescope(archive: Path, autograder: Path) -> dict[str, Any]:
    """Gradescope's harness around a submission placed in `autograder`/submission: its layout
    (/autograder/source: the zip; submission_metadata.json; results), then the zip's own
    run_autograder lines but the environment's (mamba), run as root under Docker's confinement.
    Its results.json."""
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(autograder / "source")
        steps = opened.read("run_autograder").decode().split("mamba activate otter-env\n", 1)[1]
    users = [{"email": "ada@example.edu", "id": 1, "name": "Ada Lovelace", "sid": "s1"}]
    (autograder / "submission_metadata.json").write_text(
        json.dumps({"id": 1, "users": users, "assignment": {"id": 9}})
    )
    (autograder / "results").mkdir()
    script = steps.replace("python ", f"{sys.executable} ")
    done = run("bash", "-c", script, cwd=autograder, binds={"/autograder": autograder})
    results_file = autograder / "results" / "results.json"
    assert results_file.is_file(), done.stdout[-3000:] + done.stderr[-3000:]
    seed = autograder / "source" / "otter_config.json"
    assert not os.stat(seed).st_mode & 0o077, "the seed is not root's alone"
    return json.loads(results_file.read_text())


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["py", "ipynb", "zip"])
def test_gradescope_harness_in_a_container_grades_the_reference_fully(
    harness: dict[str, Path], kind: str
) -> None:
    """The reference, uploaded as a .py, a notebook or a `grader.export()` zip, graded by the zip's
    own steps."""
    autograder = harness["root"] / f"autograder-{kind}"
    submission_files(kind, harness["handout"], autograder / "submission")
    results = run_gradescope(harness["zip"], autograder)
    assert {t["name"]: t.get("score") for t in results["tests"]} == POINTS, results
    assert results["output_format"] == "md" and "isolation landlock" in results["output"]
    assert str(SEED) not in json.dumps(results), "the course's seed reached what students read"
