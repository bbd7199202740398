"""The protocol between judge, zygote and worker: typed frames, numbered replies, and hostile data
refused."""

from __future__ import annotations

import json
import os
import socket
import struct
import tempfile
import threading
import traceback
from collections.abc import Callable

import pytest
import torch

from convkit.checking.student import raise_for_status
from convkit.errors import MissingSymbol, NotImplementedYet, StudentRaised, WorkerFailed
from convkit.sandbox.channel import Channel
from convkit.settings.limits import GradingConfig
from convkit.worker.codec import MAX_STRING_CHARS, Foreign, decode, encode
from convkit.worker.probes import compiled, handle, run_cells
from convkit.worker.protocol import (
    MAX_FRAME_BYTES,
    MESSAGE_CHARS,
    WRITABLE,
    Limits,
    Op,
    Status,
    WireError,
    load_request,
    receive,
    send,
)


def raw(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack(">I", len(payload)) + payload)


def test_tensors_round_trip_exactly() -> None:
    for tensor in (
        torch.randn(3, 4),
        torch.arange(6).reshape(2, 3),
        torch.zeros(0, 5),
        torch.tensor(2.5, dtype=torch.float64),
    ):
        back = decode(encode(tensor))
        assert (
            type(back) is torch.Tensor and back.dtype == tensor.dtype and torch.equal(back, tensor)
        )


def test_only_exact_builtin_types_pass() -> None:
    class Lying(torch.Tensor):
        pass

    class AlwaysEqual:
        def __eq__(self, other: object) -> bool:
            return True

    assert isinstance(decode(encode(torch.zeros(2).as_subclass(Lying))), Foreign)
    assert isinstance(decode(encode(AlwaysEqual())), Foreign)
    assert isinstance(decode(encode(torch.zeros(2, dtype=torch.complex64))), Foreign)
    assert (
        decode(encode(torch.zeros(2, dtype=torch.complex64))).tensor
        and not decode(encode(AlwaysEqual())).tensor
    )
    assert decode(encode((1, 2.5, [True, None]))) == (1, 2.5, [True, None])


@pytest.mark.parametrize(
    "value",
    [
        {"kind": "tensor", "dtype": "object", "shape": [1], "data": ""},
        {"kind": "tensor", "dtype": "float32", "shape": [2], "data": "AAAAAA=="},
        {"kind": "tensor", "dtype": "float32", "shape": [-1], "data": ""},
        {"kind": "tensor", "dtype": "float32", "shape": [10**9], "data": ""},
        {"kind": "tensor", "dtype": "float32", "shape": [0, 2**62, 2**62], "data": ""},
        {"kind": "tensor", "dtype": "float32", "shape": [1] * 9, "data": "AAAAAA=="},
        {"kind": "tensor", "dtype": ["float32"], "shape": [1], "data": "AAAAAA=="},
        {"kind": "tensor", "dtype": "float32", "shape": [1], "data": "!!not base64!!"},
        {"kind": "float", "repr": "1.0; import os"},
        {"kind": "float"},
        {"kind": "float", "repr": "1" * 40},
        2**63,
        "x" * (MAX_STRING_CHARS + 1),
        {"kind": "other", "type": ["a", "list"]},
        {"kind": "list", "items": "not a list"},
        {"kind": "pickle", "data": "gASV"},
        [1, 2],
        2.5,
    ],
    ids=["dtype", "byte-count", "negative-shape", "too-many-elements", "zero-element-giant-shape",
         "nine-dimensions", "unhashable-dtype", "bad-base64", "forged-float", "float-without-repr",
         "long-float", "huge-int", "long-str", "unnamed-other", "sequence-without-items",
         "unknown-kind", "bare-list", "bare-float"],
)  # fmt: skip
def test_malformed_values_are_refused(value: object) -> None:
    with pytest.raises(WireError):
        decode(value)


FLOAT32 = "tensor of dtype torch.float32"


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        (torch.zeros(0, 2000, 1000), f"{FLOAT32} and shape (0, 2000, 1000)"),
        (torch.zeros([1] * 9), f"{FLOAT32} and shape {(1,) * 9}"),
        (2**63, "int of 64 bits"),
        (-(10**400), "int of 1329 bits"),
        ("x" * (MAX_STRING_CHARS + 1), f"str of {MAX_STRING_CHARS + 1} characters"),
    ],
    ids=["empty-but-large", "nine-dimensions", "int-past-64-bits", "huge-int", "long-str"],
)
def test_what_the_codec_cannot_send_is_named_not_sent(value: object, sent: str) -> None:
    """`decode` takes all `encode` sends: what it would refuse is named by kind and size instead."""
    back = decode(json.loads(json.dumps(encode(value))))
    assert isinstance(back, Foreign) and back.type_name == sent
    empty, *others = decode(encode([torch.zeros(0, 1000, 1000), 2**63 - 1, "x" * MAX_STRING_CHARS]))
    assert empty.shape == (0, 1000, 1000) and others == [2**63 - 1, "x" * MAX_STRING_CHARS]


def test_deep_nesting_is_refused() -> None:
    nested: object = None
    for _ in range(10):
        nested = {"kind": "list", "items": [nested]}
    with pytest.raises(WireError):
        decode(nested)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"\x80\x04.", "JSON"),
        (b"[1, 2]", "not an object"),
        (b'{"status": "ok"}', "sequence number"),
        (b'{"status": "ok", "seq": "7"}', "sequence number"),
    ],
    ids=["pickle", "array", "no-seq", "string-seq"],
)
def test_malformed_frames_are_refused(payload: bytes, message: str) -> None:
    left, right = socket.socketpair()
    raw(right, payload)
    with pytest.raises(WireError, match=message):
        receive(left)


def test_oversized_header_and_truncated_frames() -> None:
    left, right = socket.socketpair()
    right.sendall(struct.pack(">I", MAX_FRAME_BYTES + 1))
    with pytest.raises(WireError, match="cap"):
        receive(left)
    left, right = socket.socketpair()
    right.sendall(struct.pack(">I", 100) + b'{"seq": 1')
    right.close()
    with pytest.raises(EOFError):
        receive(left)


def test_a_cell_is_compiled_with_the_line_numbers_of_its_file_or_notebook_cell() -> None:
    source = "x = 1\ndef f():\n    return [1 / 0 for _ in 'a']\nf()\n"
    with pytest.raises(ZeroDivisionError) as raised:
        exec(compiled(source, "sub.py", 39), {})
    frames = traceback.extract_tb(raised.tb)
    lines = [frame.lineno for frame in frames if frame.filename == "sub.py"]
    assert lines[0] == 43 and set(lines[1:]) == {42}  # f() on line 43 of the file, 1 / 0 on line 42
    [said] = run_cells({}, ["x = 1\nreturn x\n", "return 2"], [40, 3], "sub.py", skip={1})
    refused = "SyntaxError: 'return' outside function"
    assert said == {"status": Status.RAISED, "cell": 0, "error": f"{refused} (sub.py, line 41)"}
    [said] = run_cells({}, ["x = 1\nreturn x\n"], [7], None, skip=set())
    assert said["error"] == f"{refused} (<cell 7>, line 2)"


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"cells": "x = 1"}, "cells must be a list of str"),
        ({"places": [1, 2]}, "places must give each cell a positive int"),
        ({"places": [True]}, "places must give each cell a positive int"),
        ({"file": 3}, "file must be a str or null"),
        ({"skip": None}, "skip must be a list of ints"),
        ({"each": 1}, "each must be a bool"),
    ],
)
def test_a_malformed_load_is_refused(change: dict, said: str) -> None:
    frame = {
        "op": Op.LOAD,
        "seq": 4,
        "cells": ["x = 1"],
        "places": [1],
        "file": "s.py",
        "skip": [],
        "each": False,
    }
    assert load_request(frame) == frame
    with pytest.raises(WireError, match=said):
        load_request({**frame, **change})


def test_a_reply_too_large_to_send_becomes_a_too_large_frame_with_its_seq() -> None:
    left, right = socket.socketpair()
    reader = threading.Thread(target=lambda: frames.append(receive(left)))
    frames: list[dict] = []
    reader.start()
    send(right, {"status": Status.OK, "seq": 41, "value": ["x" * (MAX_FRAME_BYTES // 2)] * 3})
    reader.join(10)
    [frame] = frames
    assert (
        frame["status"] == Status.TOO_LARGE
        and frame["seq"] == 41
        and frame["size"] > MAX_FRAME_BYTES
    )
    with pytest.raises(
        WorkerFailed, match=r"the reply was too large \(24\.0 MB, the limit is 16 MB\)"
    ) as failed:
        raise_for_status(frame)
    assert failed.value.reason == "the reply was too large"


@pytest.mark.parametrize(
    ("reply", "error", "text"),
    [
        ({"status": Status.NOT_IMPLEMENTED}, NotImplementedYet, "not implemented yet"),
        (
            {"status": Status.MISSING, "error": "`corr2d` is not defined"},
            MissingSymbol,
            "define it with exactly this name",
        ),
        ({"status": Status.RAISED, "error": "KeyError: 'x'"}, StudentRaised, "“KeyError: 'x'”"),
        ({"status": Status.REFUSED, "error": "?"}, WorkerFailed, "broke the protocol"),
        ({"status": "victory"}, WorkerFailed, "broke the protocol"),
        ({"status": Status.TOO_LARGE, "size": "big"}, WorkerFailed, "broke the protocol"),
    ],
)
def test_every_status_maps_to_the_submissions_failure(reply: dict, error: type, text: str) -> None:
    with pytest.raises(error, match=text):
        raise_for_status({**reply, "seq": 1})


def raised_by(function: Callable[[], object]) -> StudentRaised:
    """The judge's failure for a student function that raises, from the worker's own reply."""
    reply = handle(
        {"f": function},
        {"op": Op.CALL, "seq": 3, "name": "f", "args": [], "kwargs": {}, "grad_args": []},
    )
    with pytest.raises(StudentRaised) as raised:
        raise_for_status({**reply, "seq": 3})
    return raised.value


def test_raised_failures_group_by_exception_type_and_keep_the_whole_message() -> None:
    def long_error() -> None:
        raise ValueError("x" * 3000 + " mode must be 'max' or 'avg'")

    error = raised_by(long_error)
    assert (
        error.reason == "raised ValueError"
        and error.kind == "ValueError"
        and error.is_builtin("ValueError")
    )
    assert error.message == ("x" * 3000)[:MESSAGE_CHARS] and len(error.account) == 300
    assert error.detail == f"your code raised “{error.account}”"


class Unreadable(type):
    def __getattribute__(cls, name: str) -> object:
        raise RuntimeError(name)


class Sneaky(type):
    """A metaclass whose properties would make a class's name, line and module up, or fail."""

    @property
    def __name__(cls) -> str:  # type: ignore[override]
        raise KeyboardInterrupt

    @property
    def __mro__(cls) -> object:  # type: ignore[override]
        return 5

    __module__ = property(lambda cls: (_ for _ in ()).throw(ValueError("no module")))  # type: ignore[assignment]


class Hostile(str):
    """A str whose own methods fail, as a class's name or an exception's __str__."""

    def replace(self, *args: object) -> str:  # type: ignore[override]
        raise SystemExit

    def split(self, *args: object) -> list[str]:  # type: ignore[override]
        raise SystemExit

    def __format__(self, spec: str) -> str:
        raise SystemExit


def renamed(cls: type, name: str) -> type:
    cls.__name__ = name
    return cls


def deep(base: type, depth: int) -> type:
    for level in range(depth):
        base = type(f"Level{level}", (base,), {})
    return base


@pytest.mark.parametrize(
    ("exception", "kind", "is_value_error"),
    [
        (type("PoolingModeError", (ValueError,), {})("bad mode"), "PoolingModeError", True),
        (type("ValueError", (Exception,), {})("bad mode"), "ValueError", False),
        (
            type("ValueError", (Exception,), {"__module__": "builtins"})("bad mode"),
            "ValueError",
            False,
        ),
        (Unreadable("Hostile", (ValueError,), {})("bad mode"), "Hostile", True),
        (deep(ValueError, 40)("bad mode"), "Level39", True),
        (type("Two\nLines", (KeyError,), {"__module__": 7})("bad mode"), "an exception", False),
        (Sneaky("SneakyError", (ValueError,), {})("bad mode"), "SneakyError", True),
        (renamed(type("Plain", (KeyError,), {}), Hostile("Named"))("bad mode"), "Named", False),
        (
            type("Shouty", (ValueError,), {"__str__": lambda self: Hostile("bad mode")})("x"),
            "Shouty",
            True,
        ),
    ],
    ids=[
        "subclass",
        "look-alike",
        "look-alike-in-builtins",
        "hostile-metaclass",
        "deep",
        "odd-names",
        "lying-metaclass",
        "str-name",
        "str-message",
    ],
)
def test_an_exception_is_a_builtin_one_by_its_classes_not_its_name(
    exception: Exception, kind: str, is_value_error: bool
) -> None:
    def fail() -> None:
        raise exception

    error = raised_by(fail)
    assert (
        error.kind == kind
        and error.reason == f"raised {kind}"
        and error.is_builtin("ValueError") is is_value_error
    )
    assert error.message in ("bad mode", "'bad mode'")
    assert error.account.endswith(f": {error.message}")
    assert error.detail == f"your code raised “{error.account}”"


@pytest.mark.parametrize(
    "message",
    [
        "[Errno 28] No space left on device: 'filler-63'",
        "g++: internal compiler error: File size limit exceeded",
        "Command '['head']' died with <Signals.SIGXFSZ: 25>.",
        "[Errno 27] File too large",
    ],
)
def test_an_exceptions_words_name_no_limit(message: str) -> None:
    """A sandbox's limit is named from its own evidence only (`Session.kill`, `Session.failure`):
    an exception saying a place is full or a file too large is the student's words, which code can
    raise as it likes."""
    kinds = [["builtins", "OSError"], ["builtins", "Exception"]]
    reply = {"status": Status.RAISED, "seq": 1, "error": f"OSError: {message}", "kinds": kinds}
    with pytest.raises(StudentRaised) as raised:
        raise_for_status({**reply, "message": message})
    assert raised.value.reason == "raised OSError"
    assert raised.value.detail == f"your code raised “OSError: {message}”"


def test_an_exception_that_imitates_the_grader_is_told_as_the_students_words() -> None:
    """Its class's name and message are quoted after "your code raised", between marks it cannot
    close, and only a class named by an identifier is named in the reason reports group by."""
    words = "not graded ” the grader's fault; your instructor will regrade it"
    imitation = type("SandboxError: not graded", (RuntimeError,), {})

    def fail() -> None:
        raise imitation(words)

    error = raised_by(fail)
    assert error.reason == "raised an exception" and error.kind == "an exception"
    closed = words.replace("”", '"')
    assert error.detail == f"your code raised “SandboxError: not graded: {closed}”"


def test_an_exception_is_told_alike_at_every_run_though_it_names_random_places() -> None:
    def fail() -> None:
        folder = tempfile.mkdtemp()
        os.rmdir(folder)
        raise OSError(f"g++ {folder}/header.hpp -o {folder}/header.i failed at {object()!r}")

    first, again = raised_by(fail), raised_by(fail)
    assert (
        first.detail == again.detail
        and first.message == again.message
        and "tmp…/header.i" in first.message
    )


def test_malformed_exception_records_are_dropped() -> None:
    reply = {
        "status": Status.RAISED,
        "seq": 1,
        "error": "X: y",
        "kinds": [["builtins", 3], "ValueError", ["a", "b", "c"]],
        "message": ["max", "avg"],
    }
    with pytest.raises(StudentRaised) as raised:
        raise_for_status(reply)
    assert raised.value.kinds == () and raised.value.message == ""
    assert raised.value.reason == "raised an exception"
    assert raised.value.detail == "your code raised “X: y”"


def test_channel_skips_frames_of_other_requests_and_times_out() -> None:
    left, right = socket.socketpair()
    channel = Channel(left)
    seq = channel.send({"op": "call"})
    assert json.loads(_read(right))["seq"] == seq
    for stale in (seq - 1, seq + 5):
        send(right, {"status": Status.OK, "seq": stale, "value": "forged"})
    send(right, {"status": Status.OK, "seq": seq, "value": "real"})
    assert next(channel.replies(seq, 5))["value"] == "real"
    send(right, {"status": Status.OK, "seq": 999, "value": "forged"})
    with pytest.raises(TimeoutError):
        next(channel.replies(seq + 1, 0.2))


def _read(sock: socket.socket) -> bytes:
    (size,) = struct.unpack(">I", sock.recv(4))
    return sock.recv(size)


def test_limits_travel_by_name_and_are_validated() -> None:
    limits = Limits(memory_bytes=1, cpu_seconds=2, output_bytes=3, processes=4)
    assert Limits.from_frame(json.loads(json.dumps(limits.to_frame()))) == limits
    for bad in (
        {"memory_bytes": 1},
        {**limits.to_frame(), "extra": 1},
        {**limits.to_frame(), "processes": -1},
        "1,2,3,4",
    ):
        with pytest.raises(WireError, match="limits must name"):
            Limits.from_frame(bad)


@pytest.mark.parametrize(("memory_mb", "tmp_mb"), [(1024, 64), (4096, 64), (256, 16)])
def test_temporary_files_count_against_the_memory_budget(memory_mb: int, tmp_mb: int) -> None:
    """Each writable place gets a share of --memory-mb (at most 64 MB), and the address space the
    rest: a worker that fills every place and maps all it may stays within the budget."""
    limits = GradingConfig(memory_mb=memory_mb).limits()
    assert limits.tmp_bytes == tmp_mb << 20
    assert limits.address_bytes + len(WRITABLE) * limits.tmp_bytes == memory_mb << 20


def test_a_zygote_imports_asked_modules_in_a_fork_and_survives_one_that_fails(
    tmp_path, monkeypatch
) -> None:
    """A SPAWN's preload is a speed hint: a module outside ON_REQUEST is never imported; one that
    is, is imported in a zygote forked for it, never in the zygote itself (a later worker would
    inherit it); one that fails to import is left to the worker (which shows the real error), tried
    once, instead of ending the zygote and its slot."""
    import sys

    from convkit.worker import zygote

    tries, imported = tmp_path / "tries", tmp_path / "imported"
    (tmp_path / "convkit_hint_breaks.py").write_text(
        f"open({str(tries)!r}, 'a').write('x')\nraise ImportError('broken on purpose')\n"
    )
    (tmp_path / "convkit_hint_works.py").write_text(
        f"import os\nopen({str(imported)!r}, 'w').write(str(os.getpid()))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(zygote, "ON_REQUEST", ("convkit_hint_works", "convkit_hint_breaks"))
    assert zygote.asked(["convkit_hint_unasked", "convkit_hint_breaks", "convkit_hint_works"]) == (
        "convkit_hint_works",
        "convkit_hint_breaks",
    )
    assert zygote.asked(["convkit_hint_unasked"]) == ()
    judge_end, control = socket.socketpair()
    parent = zygote.Zygote(control, None, GradingConfig().limits(), None, private=False)
    try:
        for _ in range(2):
            assert not parent.spawn_warmed(("convkit_hint_breaks",), 1)
        assert tries.read_text() == "x"  # a failed import is not tried again at every SPAWN
        warmed = parent.fork_warmed(("convkit_hint_works",))
        assert warmed is not None and imported.read_text() == str(warmed.pid) != str(os.getpid())
        assert "convkit_hint_works" not in sys.modules and "convkit_hint_breaks" not in sys.modules
        parent.warmed[("convkit_hint_works",)] = warmed
    finally:
        parent.close()  # the warmed zygote sees its socket close, exits, and is waited for
        judge_end.close()
        control.close()
    assert warmed is not None and not os.path.exists(f"/proc/{warmed.pid}")
