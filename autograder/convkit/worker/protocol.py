"""The one protocol between the trusted judge, a sandbox's zygote and its workers: typed frames of
plain data.

A frame is a JSON object, sent as a 4-byte big-endian length and its bytes. Every frame carries
`seq`: a request has a fresh number and every reply to it echoes that number, so a frame a
submission forged or left behind is never taken as the answer to a later request. A reply too large
to send is replaced by a TOO_LARGE frame with the same `seq` and its size, so the judge can tell the
student what happened. A worker's first frame, number 0, comes before any code of the submission
runs: READY once it is confined, or REFUSED with why it could not be.

Replies from a worker are hostile input. They are parsed as JSON (never unpickled), their values are
rebuilt by `convkit.worker.codec` and validated at one boundary
(`convkit.checking.student.Student`), and every frame is size-capped, so no object of the submission
ever reaches a comparison. This module imports no torch: a sandbox can be started while the judge
still imports it.
"""

from __future__ import annotations

import json
import socket
import struct
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from typing import Any, Literal, NotRequired, TypedDict, TypeGuard

MAX_FRAME_BYTES = 16 * 1024 * 1024
WRITABLE = ("/tmp", "/var/tmp", "/dev/shm")
"""The only places a worker may write: each a tmpfs of its own, whose pages are the host's
memory."""
ERROR_CHARS = 300
"""The most of an exception's one-line account ("ValueError: ...") a worker sends: what a report
shows."""
MESSAGE_CHARS = 2000
"""The most of an exception's message a worker sends beside its account: a check reads all of it (a
message may name what it must near its end)."""
KINDS_MAX = 32
"""The most classes of an exception's line a worker sends (its first and last ones)."""
NAME_CHARS = 200
"""The most characters of a class's or module's name a worker sends."""
MAX_PARAMETERS = 100
"""The most parameters a LAYER reply lists (the first ones; a correct layer has two), each with
at most `codec.MAX_DIMS` sizes."""
REACHED_MAX = 64
"""The most operators a reply says the student's code reached (`Watch`)."""
OPERATOR_CHARS = 100
"""The most characters of an operator's name ("aten.convolution") in a `Watch` or a reply."""
TMP_BYTES = 64 << 20
"""The most each writable place may hold; less when the memory budget is small
(`Limits.tmp_bytes`)."""
TMP_FILES = 4096
"""... and the most files it may hold (empty files cost memory too), wherever the kernel lets the
sandbox say so."""
DETACHED = "the output is not connected to the autograd graph"
"""A reply's `grad_error` where backward could not even start; any other is what backward raised."""
SCRATCH_FULL = "scratch full"
"""How a zygote's REAP reply starts for a worker it stopped for filling its scratch folder
(landlock)."""


class Op(StrEnum):
    """What a request asks for. HELLO, SPAWN and REAP go to a zygote; the others to a worker."""

    HELLO = "hello"
    SPAWN = "spawn"
    REAP = "reap"
    LOAD = "load"
    SUBSTITUTE = "substitute"
    WATCH = "watch"
    CALL = "call"
    LAYER = "layer"


class Status(StrEnum):
    """What a reply says; the judge maps each to a verdict in
    `convkit.checking.student.raise_for_status`."""

    READY = "ready"
    OK = "ok"
    DONE = "done"
    RAISED = "raised"
    MISSING = "missing"
    NOT_IMPLEMENTED = "not_implemented"
    TOO_LARGE = "too_large"
    REFUSED = "refused"


class Isolation(StrEnum):
    """What a sandbox achieved, weakest first: the ready frame states it and every report repeats
    it."""

    NONE = "none"
    UID = "uid only"
    LANDLOCK = "landlock"
    NAMESPACE = "namespace+uid"
    BWRAP = "bwrap"

    @property
    def rank(self) -> int:
        return list(Isolation).index(self)


@dataclass(frozen=True)
class Limits:
    """Sent by name in the hello frame; `convkit.settings.limits.GradingConfig` says what each
    means."""

    memory_bytes: int
    cpu_seconds: int
    output_bytes: int
    processes: int
    open_files: int = 256

    @property
    def tmp_bytes(self) -> int:
        """Each writable place's size: a sixteenth of the memory budget, at most TMP_BYTES."""
        return min(TMP_BYTES, self.memory_bytes // 16)

    @property
    def address_bytes(self) -> int:
        """The address space a worker may map: the memory budget less its temporary files, so that
        both together stay within the budget (a tmpfs is host memory that RLIMIT_AS does not
        see)."""
        return self.memory_bytes - len(WRITABLE) * self.tmp_bytes

    def to_frame(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_frame(cls, value: Any) -> Limits:
        names = {item.name for item in fields(cls)}
        if (
            type(value) is not dict
            or set(value) != names
            or any(type(v) is not int or v < 0 for v in value.values())
        ):
            raise WireError(f"limits must name exactly {sorted(names)} with non-negative ints")
        return cls(**value)


class Hello(TypedDict):
    """The judge's configuration of a new zygote, its first frame."""

    op: Literal[Op.HELLO]
    seq: int
    sandbox: Literal["bwrap", "plain", "landlock"]
    uid: int | None
    limits: dict[str, int]
    hide: list[str]
    """Paths a worker must not see; the zygote covers them (plain) or checks they are absent (bwrap,
    landlock)."""
    keep: list[str]
    """The Python installation, which a worker must still read."""
    allow: list[str]
    """The worker's own files, which a landlock worker may read too (bwrap binds them)."""


def is_hello(frame: Mapping[str, Any]) -> TypeGuard[Hello]:
    """Whether a zygote's first frame says it is the judge's HELLO; the zygote checks its limits
    and uid itself, and reads the rest as the judge wrote it."""
    return frame.get("op") == Op.HELLO


class Ready(TypedDict):
    status: Literal[Status.READY]
    seq: int
    isolation: str
    detail: str
    pid: int


class Spawn(TypedDict):
    op: Literal[Op.SPAWN]
    seq: int
    preload: list[str]
    """Modules the submission will likely need that are slow to import (torch's compiler stack,
    which an optimizer's first step pulls in): imported once, in a zygote forked for them, from
    which such workers fork."""


class Reap(TypedDict):
    op: Literal[Op.REAP]
    seq: int


class Reaped(TypedDict):
    status: Literal[Status.OK]
    seq: int
    exit: str | None
    full: list[str]
    """The writable places the worker left full, of the sandbox's own (`WRITABLE`)."""


class Load(TypedDict):
    """The submission's code, to run cell by cell (`convkit.worker.probes.run_cells`)."""

    op: Literal[Op.LOAD]
    seq: int
    cells: list[str]
    places: list[int]
    """Where each cell is: the line of `file` it starts on, or, where `file` is None, its notebook
    cell's number."""
    file: str | None
    """The .py's name, which tracebacks and SyntaxErrors give every cell, with the file's line
    numbers; None for a notebook, whose cell N they call `<cell N>`, with its own line numbers."""
    skip: list[int]
    """The cells not to run (they hung or ended a worker before)."""
    each: bool
    """Whether every cell that runs without raising is acknowledged. Otherwise only one at least
    `ACK_SECONDS` after the last reply, and the last cell, are (a cell that raises always is): a
    file of many short statements costs the judge a few frames, not one a statement."""


ACK_SECONDS = 0.005
"""How long a worker running cells may leave the judge without news (`Load.each`)."""


def load_request(frame: Mapping[str, Any]) -> Load:
    """A LOAD frame as the worker runs it; WireError where a field is missing or of a wrong type."""
    cells, places, file, skip, each = (
        frame.get(name) for name in ("cells", "places", "file", "skip", "each")
    )
    if type(cells) is not list or any(type(cell) is not str for cell in cells):
        raise WireError("cells must be a list of str")
    if type(places) is not list or len(places) != len(cells):
        raise WireError("places must give each cell a positive int")
    if any(type(place) is not int or place < 1 for place in places):
        raise WireError("places must give each cell a positive int")
    if file is not None and type(file) is not str:
        raise WireError("file must be a str or null")
    if type(skip) is not list or any(type(index) is not int for index in skip):
        raise WireError("skip must be a list of ints")
    if type(each) is not bool:
        raise WireError("each must be a bool")
    return Load(
        op=Op.LOAD, seq=frame["seq"], cells=cells, places=places, file=file, skip=skip, each=each
    )


class CellRan(TypedDict):
    """One per cell of a LOAD, then a DONE reply."""

    status: Literal[Status.OK, Status.RAISED]
    seq: int
    cell: int
    error: NotRequired[str]


class Substitute(TypedDict):
    op: Literal[Op.SUBSTITUTE]
    seq: int
    symbols: list[str]
    source: str


class Watch(TypedDict):
    """Which library operators to watch from now on: a CALL's or LAYER's reply then lists, as
    `reached`, those that the student's code ran (the grader's substitutes aside). Empty: none."""

    op: Literal[Op.WATCH]
    seq: int
    operators: list[str]
    """Each as namespace.name, as torch.ops spells it: "aten.convolution"."""


class TensorData(TypedDict):
    kind: Literal["tensor"]
    dtype: str
    shape: list[int]
    data: str


class OtherData(TypedDict):
    """A value named by its type alone (`convkit.worker.codec`): `tensor` where it is a tensor whose
    dtype, layout or size cannot travel."""

    kind: Literal["other"]
    type: str
    tensor: NotRequired[bool]


class Call(TypedDict):
    op: Literal[Op.CALL]
    seq: int
    name: str
    args: list[Any]
    kwargs: dict[str, Any]
    grad_args: list[int]
    grad_output: NotRequired[TensorData]


class Layer(TypedDict):
    op: Literal[Op.LAYER]
    seq: int
    name: str
    kernel_size: list[int]
    x: TensorData
    grad_output: TensorData
    weight: NotRequired[TensorData]
    bias: NotRequired[TensorData]


def is_probe(frame: Mapping[str, Any]) -> TypeGuard[Substitute | Watch | Call | Layer]:
    """Whether a worker's request is one `convkit.worker.probes.handle` answers, by its op; the
    judge wrote the rest."""
    return frame.get("op") in (Op.SUBSTITUTE, Op.WATCH, Op.CALL, Op.LAYER)


class RaisedRecord(TypedDict):
    """An exception of the student's code: in a RAISED reply, and as a LAYER reply's forward
    error."""

    error: str
    """The one-line account a report shows, up to `ERROR_CHARS`."""
    kinds: list[list[str]]
    """The exception's classes, most derived first, each as [module, name]; module "builtins" for
    Python's own."""
    message: str
    """The message alone, up to `MESSAGE_CHARS`."""
    inside: NotRequired[Inside]
    """Where it was raised in the grader's code substituted for an earlier question, if it was."""


class Inside(TypedDict):
    """The grader's substituted function an exception came out of, and the shape of each tensor the
    student's code passed it (None for anything else): what feedback explains the exception by."""

    function: str
    arguments: dict[str, list[int] | None]


class Reply(TypedDict):
    status: Status
    seq: int
    value: NotRequired[Any]
    error: NotRequired[str]
    kinds: NotRequired[list[list[str]]]
    """A RAISED reply's, as in `RaisedRecord` (which its error, kinds and message are)."""
    message: NotRequired[str]
    """A RAISED reply's, as in `RaisedRecord`."""
    inside: NotRequired[Inside]
    """A RAISED reply's, as in `RaisedRecord`."""
    reached: NotRequired[list[str]]
    """A CALL's or LAYER's, where its student code ran watched operators (`Watch`): their names,
    sorted."""


class TooLarge(TypedDict):
    status: Literal[Status.TOO_LARGE]
    seq: int
    size: int
    limit: int


Request = Hello | Spawn | Reap | Load | Substitute | Watch | Call | Layer
"""Every frame the judge sends."""


class WireError(Exception):
    """A frame or value that breaks the protocol: the worker is treated as crashed."""


def refused(seq: Any, why: str) -> Reply:
    """The reply to a request that is not answered: `why` in words, echoing its sequence number when
    valid."""
    return {"status": Status.REFUSED, "seq": seq if type(seq) is int else -1, "error": why}


def send(sock: socket.socket, frame: Mapping[str, Any]) -> None:
    """Send one frame; one too large to send goes as a TOO_LARGE frame with the same `seq`."""
    payload = json.dumps(frame, separators=(",", ":")).encode()
    if len(payload) > MAX_FRAME_BYTES:
        too_large: TooLarge = {
            "status": Status.TOO_LARGE,
            "seq": frame.get("seq", -1),
            "size": len(payload),
            "limit": MAX_FRAME_BYTES,
        }
        payload = json.dumps(too_large).encode()
    sock.sendall(framed(payload))


def framed(payload: bytes) -> bytes:
    """A frame's bytes on the wire: its 4-byte big-endian length, then the payload."""
    return struct.pack(">I", len(payload)) + payload


def receive(sock: socket.socket) -> dict[str, Any]:
    """Read one frame; the caller sets the socket's timeout. Raises WireError, EOFError,
    TimeoutError or OSError."""
    return receive_frame(sock)[0]


def receive_frame(sock: socket.socket) -> tuple[dict[str, Any], bytes]:
    """Read one frame, and also return its bytes as sent (`receive`)."""
    body = _read_exactly(sock, frame_size(_read_exactly(sock, 4)))
    return parse_frame(body), body


def frame_size(header: bytes | bytearray) -> int:
    """The size a frame's 4-byte header announces (WireError over the cap)."""
    (size,) = struct.unpack(">I", header)
    if size > MAX_FRAME_BYTES:
        raise WireError(f"frame of {size} bytes is over the {MAX_FRAME_BYTES}-byte cap")
    return int(size)


def parse_frame(body: bytes) -> dict[str, Any]:
    """A frame's bytes as the object they hold, which must carry an int `seq` (WireError
    otherwise)."""
    try:
        message = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise WireError("frame is not valid JSON") from exc
    if type(message) is not dict:
        raise WireError("frame is not an object")
    if type(message.get("seq")) is not int:
        raise WireError("frame has no sequence number")
    return message


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(min(size - len(chunks), 1 << 20))
        if not chunk:
            raise EOFError("the other end closed the connection")
        chunks += chunk
    return bytes(chunks)
