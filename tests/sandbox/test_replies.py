"""Forged replies of every kind the codec accepts, and of kinds it refuses, sent by a fake worker
over a socket to a real judge (the session, its channel and plans, the hidden checks,
`engine.grade`): each costs the submission the checks it answers, never makes it ungradable. The
worker process is the student's: it can write any frame."""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Callable
from typing import Any

import pytest
import torch

from convkit.batch.jobs import read_job
from convkit.checking.student import substitution
from convkit.exercises import oracle
from convkit.grading import engine
from convkit.results import GradeStatus, SubmissionResult
from convkit.sandbox.channel import Channel
from convkit.sandbox.slot import Ending
from convkit.settings import assignment as assignment_config
from convkit.settings.limits import GradingConfig
from convkit.settings.run import GradingRun
from convkit.worker import probes
from convkit.worker.codec import MAX_STRING_CHARS
from convkit.worker.protocol import Isolation, Op, Status, framed, receive
from tests.conftest import REFERENCE

Forge = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]
"""A fake worker's reply to a request, from the oracle's own reply to it."""


def tensor(dtype: str, shape: list[Any], data: bytes = b"") -> dict[str, Any]:
    return {
        "kind": "tensor",
        "dtype": dtype,
        "shape": shape,
        "data": base64.b64encode(data).decode(),
    }


def nested(depth: int) -> dict[str, Any]:
    value: Any = None
    for _ in range(depth):
        value = {"kind": "list", "items": [value]}
    return value


def floating(text: str) -> dict[str, str]:
    return {"kind": "float", "repr": text}


ODD_LOSSES = [*map(floating, ("nan", "inf", "-inf", "1e308")), 2**62, -(2**62)]
NAN = torch.full((2, 2), float("nan")).numpy().tobytes()
MALFORMED = {
    "zero-element giant shape": tensor("float32", [0, 2**62, 2**62]),
    "zero-element shape past the cap": tensor("float32", [0, 10**6, 10**6]),
    "negative shape": tensor("float32", [-1, 2]),
    "shape of floats": tensor("float32", [1.5, 2]),
    "shape of bools": tensor("float32", [True]),
    "nine dimensions": tensor("float32", [1] * 9, bytes(4)),
    "data shorter than the shape": tensor("float32", [2, 2], bytes(12)),
    "data not base64": {"kind": "tensor", "dtype": "float32", "shape": [1], "data": "!!!!"},
    "data not a str": {"kind": "tensor", "dtype": "float32", "shape": [1], "data": [1, 2]},
    "complex dtype": tensor("complex64", [1], bytes(8)),
    "object dtype": tensor("object", [1], bytes(8)),
    "unhashable dtype": {"kind": "tensor", "dtype": [], "shape": [1], "data": ""},
    "more entries than the cap": tensor("uint8", [10**6 + 1], bytes(10**6 + 1)),
    "far more entries than the call": tensor("uint8", [10**6], bytes(10**6)),
    "deep nesting": nested(50),
    "long sequence": {"kind": "list", "items": [1] * 1002},
    "huge int": 2**70,
    "huge str": "x" * (MAX_STRING_CHARS + 1),
    "float with a long repr": {"kind": "float", "repr": "1" * 100},
    "float that is not one": {"kind": "float", "repr": "1e400x"},
    "an object without a type name": {"kind": "other", "type": ["SandboxError"]},
    "unknown kind": {"kind": "pickle", "data": "gASV"},
    "bare float": 2.5,
    "bare list": [1, 2],
}
WELL_FORMED = {
    "NaN payload": tensor("float32", [2, 2], NAN),
    "infinities": tensor(
        "float64",
        [3],
        torch.tensor([float("inf"), -float("inf"), 1.0], dtype=torch.float64).numpy().tobytes(),
    ),
    "bool dtype": tensor("bool", [2, 2], b"\x01\x00\x01\x01"),
    "uint8 dtype": tensor("uint8", [5, 6], bytes(30)),
    "empty with large sizes": tensor("float32", [0, 1000, 1000]),
    "eight dimensions": tensor("float32", [1] * 8, bytes(4)),
    "a scalar": tensor("float32", [], bytes(4)),
    "list of tensors": {"kind": "list", "items": [tensor("float32", [1], bytes(4))] * 3},
    "tuple of a NaN and a large int": {
        "kind": "tuple",
        "items": [{"kind": "float", "repr": "nan"}, 2**62],
    },
    "a long str": "SandboxError: not graded " * 300,
    "a kernel and odd losses": {
        "kind": "tuple",
        "items": [tensor("float32", [1, 2], bytes(8)), {"kind": "list", "items": ODD_LOSSES}],
    },
    "a tensor it could not send": {"kind": "other", "type": "y" * 1000, "tensor": True},
}


def with_result(forged: Any) -> Forge:
    """Every call and layer answered as a success, its result (a layer's two outputs) `forged`."""

    def forge(request: dict[str, Any], honest: dict[str, Any]) -> dict[str, Any]:
        value = honest.get("value") if honest["status"] == Status.OK else None
        value = (
            dict(value)
            if isinstance(value, dict)
            else {"inputs_after": [], "module": True, "parameters": []}
        )
        value["result"] = forged
        if request["op"] == Op.LAYER:
            value["again"] = forged
        return {"status": Status.OK, "value": value}

    return forge


def with_value(field: str, forged: Any) -> Forge:
    """Every successful reply with one more `field` in its value: `forged`."""

    def forge(request: dict[str, Any], honest: dict[str, Any]) -> dict[str, Any]:
        if honest["status"] != Status.OK:
            return honest
        return {**honest, "value": {**honest["value"], field: forged}}

    return forge


def replaced(reply: dict[str, Any]) -> Forge:
    return lambda request, honest: reply


class FakeWorker:
    """A worker that answers with the oracle, then lets `forge` rewrite each call's or layer's
    reply."""

    def __init__(self, forge: Forge) -> None:
        self.forge = forge
        self.namespace: dict[str, Any] = {"__name__": "convkit_oracle"}
        probes.handle(self.namespace, substitution(tuple(oracle.BY_SYMBOL)))

    def serve(self, sock: socket.socket) -> None:
        with sock:
            try:
                while True:
                    request = receive(sock)
                    for reply in self.replies(request):
                        payload = json.dumps(
                            {**reply, "seq": request["seq"]}, separators=(",", ":")
                        ).encode()
                        sock.sendall(framed(payload))
            except (EOFError, OSError):
                return

    def replies(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        if request["op"] == Op.LOAD:
            return [{"status": Status.DONE}]
        honest = probes.handle(self.namespace, request)  # type: ignore[arg-type]
        honest = json.loads(json.dumps(honest))
        return [
            honest if request["op"] in (Op.SUBSTITUTE, Op.WATCH) else self.forge(request, honest)
        ]


class FakeSlot:
    """A slot whose every worker is a fake one (`make`) on the other end of a socket pair."""

    backend = type("Backend", (), {"name": "fake"})()
    isolation = Isolation.NONE

    def __init__(self, make: Callable[[], FakeWorker]) -> None:
        self.make = make
        self.threads: list[threading.Thread] = []

    def spawn(self, preload: tuple[str, ...] = ()) -> Channel:
        judge_end, worker_end = socket.socketpair()
        thread = threading.Thread(target=self.make().serve, args=(worker_end,), daemon=True)
        thread.start()
        self.threads.append(thread)
        return Channel(judge_end, buffered=True)

    def reap(self) -> Ending:
        for thread in self.threads:
            thread.join(10)
        return Ending()


CONFIG = GradingConfig(call_timeout=5, cell_timeout=5, submission_timeout=600)


def graded(forge: Forge, worker: type[FakeWorker] = FakeWorker) -> SubmissionResult:
    """The reference graded by a real judge whose workers are `worker`s forging with `forge`."""
    submission, slot = read_job(0, REFERENCE).submission(), FakeSlot(lambda: worker(forge))
    assignment = assignment_config.load()
    return engine.grade(submission, slot, GradingRun(CONFIG, 1, assignment))  # type: ignore[arg-type]


def failures(result: SubmissionResult) -> dict[str, set[str]]:
    """Each failure reason, with the questions it cost."""
    found: dict[str, set[str]] = {}
    for question in result.questions:
        for check in question.checks:
            reason = "passed" if check.failure is None else check.failure.reason
            found.setdefault(reason, set()).add(question.question)
    return found


def test_the_fake_worker_answering_honestly_gets_full_marks() -> None:
    result = graded(lambda request, honest: honest)
    assert result.status is GradeStatus.GRADED and result.total == result.max_total


@pytest.mark.parametrize("forged", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_result_fails_every_check_as_a_malformed_reply(forged: Any) -> None:
    result = graded(with_result(forged))
    assert result.status is GradeStatus.GRADED, result.problem
    assert result.total == 0 and set(failures(result)) <= {
        "a malformed reply",
        "broke the protocol",
    }, failures(result)


@pytest.mark.parametrize("forged", WELL_FORMED.values(), ids=WELL_FORMED.keys())
def test_a_well_formed_wrong_result_fails_its_checks_and_breaks_none(forged: Any) -> None:
    """Every check reads the result but two of the layer's: its parameters and gradients, which
    are answered honestly here. Each failure is explained (shrunk, probed) on forged replies too."""
    result = graded(with_result(forged))
    assert result.status is GradeStatus.GRADED, result.problem
    passed = {f"{q.question}/{c.name}" for q in result.questions for c in q.checks if c.passed}
    assert passed <= {
        "conv2d_layer/two trainable parameters, weight and bias",
        "conv2d_layer/gradients reach weight and bias",
    }, passed


@pytest.mark.parametrize("field", ["inputs_after", "grads"])
@pytest.mark.parametrize("forged", WELL_FORMED.values(), ids=WELL_FORMED.keys())
def test_a_well_formed_input_after_or_gradient_breaks_no_check(field: str, forged: Any) -> None:
    result = graded(with_value(field, [forged, None]))
    assert result.status is GradeStatus.GRADED, result.problem


FIELDS = {
    "inputs_after of a giant shape": with_value(
        "inputs_after", [MALFORMED["zero-element giant shape"]]
    ),
    "inputs_after longer than the arguments": with_value("inputs_after", [None] * 10),
    "grads of a giant shape": with_value("grads", [MALFORMED["zero-element giant shape"], None]),
    "grads not tensors": with_value("grads", [1, 2]),
    "grad_error not a str": with_value("grad_error", ["SandboxError"]),
    "parameters of absurd sizes": with_value("parameters", [["weight", [1e400], True]]),
    "parameters not lists": with_value("parameters", [{"weight": 1}]),
    "too many parameters": with_value("parameters", [[f"p{n}", [1], True] for n in range(1000)]),
    "forward error not a record": with_value("forward_error", "SandboxError: not graded"),
    "one gradient for two leaves": with_value("grads", [None]),
    "value not an object": replaced({"status": Status.OK, "value": [1, 2]}),
    "a reply too large of absurd size": replaced(
        {"status": Status.TOO_LARGE, "size": 10**300, "limit": 1}
    ),
    "an unknown status": replaced({"status": "SandboxError: not graded: the grader's fault"}),
}


@pytest.mark.parametrize("forge", FIELDS.values(), ids=FIELDS.keys())
def test_any_malformed_field_is_the_submissions_failure(forge: Forge) -> None:
    result = graded(forge)
    assert result.status is GradeStatus.GRADED, result.problem
    assert set(failures(result)) <= {"a malformed reply", "broke the protocol", "passed"}, failures(
        result
    )
    assert "SandboxError" not in json.dumps(result.to_dict())


def test_a_missing_reply_is_told_in_the_judges_words() -> None:
    result = graded(
        replaced(
            {"status": Status.MISSING, "error": "SandboxError: not graded: the grader's fault"}
        )
    )
    details = {
        c.failure.detail for q in result.questions for c in q.checks if c.failure is not None
    }
    assert (
        result.status is GradeStatus.GRADED
        and "`corr2d` is not defined: define it with exactly this name" in details
    )
    assert not any("SandboxError" in detail for detail in details)


def test_a_load_reply_for_a_cell_that_does_not_exist_is_the_submissions_failure() -> None:
    class Forged(FakeWorker):
        def replies(self, request: dict[str, Any]) -> list[dict[str, Any]]:
            if request["op"] == Op.LOAD:
                return [{"status": Status.RAISED, "cell": float("inf"), "error": "x"}]
            return super().replies(request)

    result = graded(lambda request, honest: honest, Forged)
    assert result.status is GradeStatus.GRADED and result.total == 0
    assert set(failures(result)) == {"loading failed"}
