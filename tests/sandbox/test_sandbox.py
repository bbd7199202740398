"""The trust boundary at run time: what a worker sees on each backend, the isolation a slot reports
(and refuses to do without), the zygote's refusals, and a session's restarts."""

from __future__ import annotations

import getpass
import json
import os
import pkgutil
import re
import shutil
import signal
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import torch

import convkit
from convkit.errors import IsolationError, SandboxError, StudentRaised, WorkerFailed
from convkit.grading.submissions import Cell, Submission
from convkit.sandbox import backends
from convkit.sandbox.backends import PACKAGE, WORKER_FILES, Backend, bwrap_arguments
from convkit.sandbox.channel import Channel
from convkit.sandbox.session import Session
from convkit.sandbox.slot import Slot
from convkit.settings.limits import GradingConfig
from convkit.worker.confine import unsearchable_ancestor
from convkit.worker.protocol import Isolation, Op, Status

ROOT = os.geteuid() == 0
CONFIG = GradingConfig(jobs=1, call_timeout=3, cell_timeout=3, submission_timeout=60)
BACKENDS = [
    pytest.param(
        "plain",
        marks=pytest.mark.skipif(
            not ROOT, reason="plain workers are confined only when grading as root"
        ),
    ),
    pytest.param(
        "bwrap",
        marks=pytest.mark.skipif(
            shutil.which("bwrap") is None, reason="bubblewrap is not installed"
        ),
    ),
]

GRADER_MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(convkit.__path__, "convkit.")
    if not info.name.startswith("convkit.worker")
)
"""Every module of convkit outside its worker package: none may be importable by a worker, wherever
a later change moves them."""
LOOK = """
import os, sys, importlib

def look(paths):
    seen = []
    for path in paths:
        try:
            with open(path) as handle:
                handle.read(1)
            seen.append("readable: " + path)
        except OSError:
            pass
    for name in GRADER_MODULES + ["convkit"]:
        try:
            module = importlib.import_module(name)
            if getattr(module, "__file__", None) or name != "convkit":
                seen.append("imported: " + name)
        except BaseException:
            pass
    for root in ["/opt/convkit", *sys.path]:
        for directory, _, files in os.walk(root):
            if "convkit" in directory.split(os.sep):
                seen += ["listed: " + os.path.join(directory, name) for name in files]
    return seen
"""


def session(slot: Slot, *cells: str, config: GradingConfig = CONFIG) -> Session:
    numbered = [Cell(source, place) for place, source in enumerate(cells, start=1)]
    return Session(slot, Submission("probe.py", numbered), config)


@pytest.fixture(scope="module", params=BACKENDS)
def slot(request: pytest.FixtureRequest) -> Iterator[Slot]:
    """One started sandbox per backend for the tests that do not start their own."""
    with Slot(Backend(request.param), CONFIG) as started:
        yield started


@pytest.fixture
def canaries() -> Iterator[list[Path]]:
    """Files dropped into the judge's side and into worker/ (not on the allow-list) while a worker
    looks."""
    tag = uuid.uuid4().hex
    paths = [PACKAGE / "exercises" / f"canary-{tag}.txt", PACKAGE / "worker" / f"canary-{tag}.txt"]
    for path in paths:
        path.write_text("a secret\n")
    yield paths
    for path in paths:
        path.unlink()


def test_a_worker_sees_nothing_of_the_judge(slot: Slot, canaries: list[Path]) -> None:
    """Files added to the package after the sandbox started (canaries, on both sides) are not seen
    either."""
    judge_files = [
        str(path) for path in sorted(PACKAGE.rglob("*.py")) if "worker" not in path.parts
    ]
    # it reads many files: no hurry under load
    student = session(
        slot,
        f"GRADER_MODULES = {GRADER_MODULES!r}\n" + LOOK,
        config=replace(CONFIG, call_timeout=20),
    )
    try:
        seen = student.call("look", [*judge_files, *map(str, canaries)]).result
    finally:
        student.kill()
    name = slot.backend.name
    allowed = (
        {f"listed: /opt/convkit/convkit/worker/{file}" for file in WORKER_FILES}
        if name == "bwrap"
        else set()
    )
    listed = {
        entry for entry in seen if entry.startswith("listed: ") and not entry.endswith(".pyc")
    }
    assert listed <= allowed, (
        f"a {name} worker lists files beyond the allow-list: {sorted(listed - allowed)[:5]}"
    )
    assert [entry for entry in seen if not entry.startswith("listed: ")] == [], (
        f"a {name} worker reads or imports the judge: {seen[:5]}"
    )


def test_bubblewrap_binds_exactly_the_allow_list() -> None:
    arguments = bwrap_arguments(GradingConfig().limits())
    bound = [
        arguments[i + 1]
        for i, arg in enumerate(arguments)
        if arg == "--ro-bind" and arguments[i + 1].startswith(str(PACKAGE))
    ]
    assert sorted(bound) == sorted(str(PACKAGE / "worker" / file) for file in WORKER_FILES)
    assert sorted(WORKER_FILES) == sorted(p.name for p in (PACKAGE / "worker").glob("*.py")), (
        "worker/ and its allow-list differ"
    )


def test_a_slot_reports_its_isolation(slot: Slot) -> None:
    assert slot.isolation == (
        Isolation.BWRAP if slot.backend.name == "bwrap" else Isolation.NAMESPACE
    )
    assert slot.detail == ""


@pytest.mark.parametrize("name", BACKENDS)
def test_isolation_weaker_than_promised_is_refused(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bwrap: a path the judge hides stays visible. plain: a container without CAP_SYS_ADMIN (no
    namespace)."""
    if name == "bwrap":
        monkeypatch.setattr(backends, "hidden_paths", lambda: ["/usr/share"])
        why = "uid only instead of bwrap (workers could read /usr/share)"
    else:
        command = Backend.command
        monkeypatch.setattr(
            Backend,
            "command",
            lambda self, *args: [
                "setpriv",
                "--bounding-set",
                "-sys_admin",
                "--",
                *command(self, *args),
            ],
        )
        # a uid of its own must reach Python
        reached = "uid only" if unsearchable_ancestor(os.__file__) is None else "none"
        why = f"{reached} instead of namespace+uid (could not make a private mount namespace"
    with pytest.raises(IsolationError, match=re.escape(f"isolates less than it promises: {why}")):
        Slot(Backend(name), CONFIG).start()  # type: ignore[arg-type]


@pytest.mark.skipif(
    shutil.which("bwrap") is None or os.geteuid() != 0, reason="bubblewrap as root bounds files"
)
def test_bubblewrap_that_cannot_bound_files_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without CAP_SYS_ADMIN the zygote cannot remount its temporary folders with a file bound:
    refused, never promised."""
    arguments = backends.bwrap_arguments
    monkeypatch.setattr(
        backends,
        "bwrap_arguments",
        lambda limits: [*arguments(limits), "--cap-drop", "CAP_SYS_ADMIN"],
    )
    with pytest.raises(
        IsolationError,
        match=re.escape("uid only instead of bwrap (could not bound the number of temporary files"),
    ):
        Slot(Backend("bwrap"), CONFIG).start()


@pytest.mark.parametrize("name", BACKENDS)
def test_a_sandbox_whose_workers_could_keep_kernel_objects_is_refused(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A machine convkit has no system-call filter for (here one that says it is i686): its workers
    could leave System V IPC objects and keys to later submissions
    (`seccomp.Machine.kernel_objects`), which no isolation above uid only allows."""
    if shutil.which("setarch") is None:
        pytest.skip("setarch (util-linux) is not installed")
    command = Backend.command
    monkeypatch.setattr(
        Backend, "command", lambda self, *args: ["setarch", "i686", "--", *command(self, *args)]
    )
    promised = Backend(name).expected  # type: ignore[arg-type]
    why = (
        f"uid only instead of {promised} (workers could leave System V IPC objects and keys to "
        "later submissions: "
    )
    if promised is Isolation.NONE:
        Slot(Backend(name), CONFIG).start()  # type: ignore[arg-type]  # promised nothing: nothing to refuse
        return
    with pytest.raises(
        IsolationError, match=re.escape(why + "no system-call filter for this machine (i686))")
    ):
        Slot(Backend(name), CONFIG).start()  # type: ignore[arg-type]


def test_the_kernel_objects_filter_refuses_its_calls_here() -> None:
    from convkit.worker import seccomp

    assert seccomp.program("riscv64") is None and seccomp.program("aarch64") is not None
    assert seccomp.refused_here(seccomp.program()) is None, (
        "this machine's workers could make kernel objects"
    )


def test_a_bad_hello_stops_the_zygote_with_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        Backend,
        "hello",
        lambda self, uid, limits: {
            "op": Op.HELLO,
            "sandbox": "plain",
            "uid": uid,
            "limits": {"memory": 1},
        },
    )
    with pytest.raises(SandboxError, match="bad configuration: limits must name exactly"):
        Slot(Backend("plain"), CONFIG).start()


def test_the_zygote_and_a_worker_refuse_unknown_ops_and_malformed_loads(slot: Slot) -> None:
    assert slot.control is not None
    reply = slot.control.ask({"op": "dance"}, 10)
    assert reply["status"] == Status.REFUSED and "does not do 'dance'" in reply["error"]
    worker = slot.spawn()
    reply = worker.ask({"op": "dance"}, 10)
    assert reply["status"] == Status.REFUSED
    load = {
        "op": Op.LOAD,
        "cells": ["x = 1"],
        "places": [0],
        "file": None,
        "skip": [],
        "each": True,
    }
    reply = worker.ask(load, 10)
    assert reply["status"] == Status.REFUSED
    assert reply["error"] == "places must give each cell a positive int"
    worker.close()
    assert slot.reap().exit is not None


def test_session_skips_a_hanging_cell_restarts_after_a_timeout_and_substitutes_once_per_worker(
    slot: Slot, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[str] = []
    send, send_many = Channel.send, Channel.send_many
    monkeypatch.setattr(
        Channel,
        "send",
        lambda self, request: sent.append(str(request["op"])) or send(self, request),
    )
    monkeypatch.setattr(
        Channel,
        "send_many",
        lambda self, bodies, timeout: (
            sent.extend(json.loads(b)["op"] for b in bodies) or send_many(self, bodies, timeout)
        ),
    )
    cells = [
        "def h():\n    return corr2d is not None",
        "while True:\n    pass",
        "def g():\n    while True:\n        pass",
    ]
    student = session(slot, *cells)
    try:
        student.substitute(("corr2d",))
        assert student.call("h").result is True
        assert student.notes == ["cell 2 timed out after 3 s and was skipped"]
        with pytest.raises(WorkerFailed, match="timed out after 3 s"):
            student.call("g")
        assert student.call("h").result is True
    finally:
        student.kill()
    assert student.notes == ["cell 2 timed out after 3 s and was skipped"]
    # the first load, acknowledged in few frames, then again cell by cell to find the cell that
    # hung; the load without it; and the load after g's timeout
    assert sent.count(Op.LOAD) == 4 and sent.count(Op.SUBSTITUTE) == 2, sent


def test_the_cell_that_hangs_or_ends_the_worker_is_found_after_many_unacknowledged_ones(
    slot: Slot,
) -> None:
    """Quick cells are acknowledged a few at a time, so where a load fails the cell that failed is
    not known: the load runs again, every cell acknowledged, and only the culprits are skipped."""
    quick = [f"x{i} = {i}" for i in range(300)]
    cells = [
        *quick,
        "while True:\n    pass",
        "import os\nos._exit(3)",
        "def f():\n    return x299 + 1",
    ]
    student = session(slot, *cells)
    try:
        assert student.call("f").result == 300
    finally:
        student.kill()
    assert student.notes[0] == "cell 301 timed out after 3 s and was skipped"
    assert student.notes[1].startswith("cell 302 ended the process") and len(student.notes) == 2, (
        student.notes
    )


PLATFORM = (
    """
import getpass, os, pwd, tempfile

def platform():
    import torch
    w = torch.zeros(2, requires_grad=True)
    for optimizer in (torch.optim.SGD([w], lr=0.1), torch.optim.Adam([w], lr=0.1)):
        optimizer.zero_grad()
        ((w - 1) ** 2).sum().backward()
        optimizer.step()
    import torch._dynamo, torch._inductor.config
    from torch._inductor.runtime.cache_dir_utils import cache_dir
    os.makedirs(cache_dir(), exist_ok=True)
    import matplotlib.pyplot as plt
    plt.figure(); plt.imshow([[0, 1]]); plt.savefig(os.path.join(tempfile.gettempdir(), "x.png"))
    return [getpass.getuser(), pwd.getpwuid(os.getuid()).pw_name, os.environ["HOME"], """
    """bool(w.abs().sum() > 0), callable(torch.compile)]
"""
)


def test_random_draws_do_not_depend_on_what_ran_before(slot: Slot) -> None:
    """A layer's first weights are drawn afresh in each call, the same whatever ran before or after
    a restart."""
    student = session(
        slot,
        "import torch, random\nstart = torch.rand(3)\ndef draw():\n"
        "    return torch.cat([start, torch.rand(2), torch.tensor([random.random()])])\n",
    )
    try:
        first = student.call("draw").result
        student.call("draw")
        again = student.call("draw").result
        student.kill()
        restarted = student.call("draw").result
    finally:
        student.kill()
    assert torch.equal(first, again) and torch.equal(first, restarted)


def test_a_worker_has_an_identity_caches_and_torchs_lazy_imports(slot: Slot) -> None:
    """getpwuid() must know the worker's uid and torch must find a writable cache (no false
    failures). The zygote is not asked to preload torch's compiler stack here: the worker imports it
    itself."""
    # cold imports of torch's compiler stack, on a busy machine
    student = session(slot, PLATFORM, config=replace(CONFIG, call_timeout=60))
    try:
        user, pw_name, home, stepped, compiles = student.call("platform").result
    finally:
        student.kill()
    assert student.notes == [] and stepped and compiles
    assert user == pw_name == ("convkit-worker" if ROOT else getpass.getuser())
    assert home.startswith("/tmp/convkit-")


READ_ONLY = (
    """
import os, sys
def writable():
    return [place for place in ("/usr", "/etc", sys.prefix, sys.base_prefix) if not """
    """os.statvfs(place).f_flag & os.ST_RDONLY]
"""
)


def test_the_system_a_worker_sees_is_read_only(slot: Slot) -> None:
    """Not only unwritable by the worker's uid: read-only mounts, so that reading a file leaves no
    access time, a message a later submission could read (the plain backend showed the host's /usr
    as it is)."""
    student = session(slot, READ_ONLY)
    try:
        assert student.call("writable").result == []
    finally:
        student.kill()


LEAVES = (
    """
import os
import pkgutil
def leave():
    for place in ("/tmp", "/var/tmp", "/dev/shm"):
        open(os.path.join(place, "answers.txt"), "w").write("42")
        os.makedirs(os.path.join(place, "kept", "deeper"), exist_ok=True)
    return True
def found():
    return sorted(place for place in ("/tmp", "/var/tmp", "/dev/shm") if set(os.listdir(place)) """
    """& {"answers.txt", "kept"})
"""
)


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
def test_bubblewrap_without_a_worker_uid_empties_its_temporary_places(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without root, workers have the zygote's uid, so files cannot be told apart by owner: what a
    submission leaves in its sandbox's /tmp, /var/tmp and /dev/shm is all removed before the next
    one starts there."""
    from convkit.sandbox import slot as slot_module

    class NoUid:  # what WorkerUid holds without root
        value = None

        def release(self) -> None:
            pass

    monkeypatch.setattr(slot_module, "WorkerUid", NoUid)
    with Slot(Backend("bwrap"), CONFIG) as started:
        for expected, name in ((True, "leave"), ([], "found")):
            student = session(started, LEAVES)
            try:
                assert student.call(name).result == expected
            finally:
                student.kill()


RAISES = """
import os
import pkgutil
def fails():
    open("notes.txt", "w").close()
    raise RuntimeError(f"cannot use {os.path.abspath('notes.txt')} with {object()}")
"""


def test_what_a_worker_raises_reads_the_same_in_every_worker(slot: Slot) -> None:
    """The same code is told the same at every regrade: its workdir's random name and an object's
    address do not reach the message."""
    seen = []
    for _ in range(2):
        student = session(slot, RAISES)
        try:
            with pytest.raises(StudentRaised) as raised:
                student.call("fails")
        finally:
            student.kill()
        seen.append(str(raised.value))
    told = "your code raised “RuntimeError: cannot use ~/notes.txt with <object object at 0x…>”"
    assert seen[0] == seen[1] == told


SEES = """
import resource, sys
def sees():
    return ["torch._dy" "namo" in sys.modules, resource.getrlimit(resource.RLIMIT_AS)[0]]
"""


def sees(slot: Slot, preload: tuple[str, ...]) -> tuple[bool, int]:
    """Whether a fresh worker has torch's compiler stack imported, and its address-space limit."""
    submission = Submission("probe.py", [Cell(SEES, 1)], preload=preload)
    # a cold import of the stack
    student = Session(slot, submission, replace(CONFIG, call_timeout=60))
    try:
        loaded, address_space = student.call("sees").result
    finally:
        student.kill()
    assert student.notes == []
    return loaded, address_space


def test_a_worker_starts_the_same_whatever_the_slot_graded_before(slot: Slot) -> None:
    """A submission asking for torch's compiler stack gets a worker with it imported, from a zygote
    kept for such submissions; one that does not ask never inherits it from an earlier one: its
    modules, address space and time would depend on the order of grading (and so on --jobs)."""

    plain_before = sees(slot, ())
    hinted = [sees(slot, ("torch._dynamo",)) for _ in range(2)]
    plain_after = sees(slot, ())
    assert not plain_before[0] and not plain_after[0] and all(loaded for loaded, _ in hinted)
    assert abs(plain_after[1] - plain_before[1]) < 16 << 20, (plain_before, plain_after)
    assert (
        hinted[0][1] > plain_before[1] + (16 << 20) and abs(hinted[1][1] - hinted[0][1]) < 16 << 20
    )


DAEMON = """
import os, time
def start():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(300)
        os._exit(0)
    os.wait()
    return os.getppid()
"""


def processes() -> list[tuple[int, int, int, str]]:
    """(pid, parent pid, uid, state) of every process."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            uid = entry.stat().st_uid
        except (OSError, IndexError):
            continue
        found.append((int(entry.name), int(fields[1]), uid, fields[0]))
    return found


@pytest.mark.skipif(not ROOT, reason="killing the warmed zygote from outside needs root")
def test_a_warmed_zygote_that_dies_while_its_worker_runs_leaves_nothing_behind() -> None:
    """Killed (as the OOM killer might) while its worker and a daemon of the worker run: the slot's
    zygote kills and waits for what came back to it (no process of the worker uid, no zombie left to
    use up the next worker's process limit), and the next hinted submission gets a new warmed
    zygote."""
    with Slot(Backend("plain"), CONFIG) as own:
        assert own.process is not None and own.claim is not None
        zygote, uid = own.process.pid, own.claim.value
        submission = Submission("probe.py", [Cell(DAEMON, 1)], preload=("torch._dynamo",))
        student = Session(own, submission, replace(CONFIG, call_timeout=60))
        try:
            warmed = student.call("start").result
            assert [p[1] for p in processes() if p[0] == warmed] == [zygote]
            assert len([p for p in processes() if p[2] == uid]) >= 2, (
                "the worker and its daemon run"
            )
            os.kill(warmed, signal.SIGKILL)
        finally:
            student.kill()
        assert [p for p in processes() if p[2] == uid] == []
        assert [p for p in processes() if p[1] == zygote] == []
        assert student.notes == []
        assert sees(own, ("torch._dynamo",))[0] and not sees(own, ())[0]


def test_a_worker_dies_with_its_zygote(slot: Slot) -> None:
    """The parent-death signal is set after the worker's uid changes (a change of uid clears it)."""
    student = session(
        slot,
        "import ctypes\ndef signal():\n    value = ctypes.c_int()\n"
        "    ctypes.CDLL(None).prctl(2, ctypes.byref(value))\n    return value.value",
    )
    try:
        assert student.call("signal").result == 9
    finally:
        student.kill()


def test_a_submission_that_removes_its_own_workdir_does_not_harm_the_next(slot: Slot) -> None:
    """Reaping once chmod-ed the parent of a vanished workdir (/tmp) to 0700, and every later worker
    failed."""
    remove = (
        "import os, shutil\nhere = os.getcwd()\nos.chdir('/')\nshutil.rmtree(here)\n"
        "def gone():\n    return os.path.exists(here)"
    )
    first = session(slot, remove)
    assert first.call("gone").result is False
    first.kill()
    second = session(slot, "import os\ndef home():\n    return os.environ['HOME']")
    try:
        assert second.call("home").result.startswith("/tmp/convkit-")
    finally:
        second.kill()
    assert first.notes == second.notes == []


FILLER = """
import errno, os, tempfile
def fill(where, size, count, prefix):
    written, error = 0, None
    try:
        for number in range(count):
            with open(os.path.join(where, f"{prefix}-{number}"), "wb") as handle:
                handle.write(b"x" * size)
            written += 1
    except OSError as failure:
        error = errno.errorcode.get(failure.errno, str(failure.errno))
    return [written, error]
"""


@pytest.mark.parametrize("where", ["/tmp", "/var/tmp", "/dev/shm"])
def test_every_writable_place_is_a_bounded_tmpfs(slot: Slot, where: str) -> None:
    """2,000 files of 1 MB each (every one under the worker's file-size limit) stop at the tmpfs
    bound, a share of the memory budget, not at the host's memory; as root, 5,000 empty files stop
    at the file-count bound too (bubblewrap's own tmpfs has none: the zygote remounts it). A place
    the backend does not provide (ENOENT) is no place to fill. The sandbox finds the place full as
    it stops the worker, and says so."""
    from convkit.worker.protocol import TMP_FILES

    student = session(slot, FILLER)
    tmp_bytes = slot.config.limits().tmp_bytes
    try:
        written, error = student.call("fill", where, 1 << 20, 2000, "big").result
        if error == "ENOENT" and written == 0:
            return
        assert error in ("ENOSPC", "EFBIG") and written <= tmp_bytes >> 20, (written, error)
        if os.geteuid() == 0:
            count, error = student.call("fill", where, 0, 5000, "small").result
            assert count + written <= TMP_FILES and error == "ENOSPC", (count, error)
    finally:
        student.kill()
    assert [note for note in student.notes if note.startswith(f"the sandbox found {where} full")]
