"""Numbered requests over a socket: only a reply that echoes a request's number answers it."""

from __future__ import annotations

import itertools
import socket
import time
from collections.abc import Iterator, Mapping
from typing import Any

from ..worker.protocol import receive, send


class Channel:
    """The judge's end of a socket to a zygote or a worker.

    Each request gets a fresh number; frames with any other number (forged by a submission, or left behind by a
    cell, a thread or an earlier call) are skipped, so they can neither answer a later request nor stall it past
    its deadline. Raises TimeoutError, EOFError, OSError or WireError (`convkit.worker.protocol.receive`).
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.numbers = itertools.count(1)

    def send(self, request: Mapping[str, Any]) -> int:
        seq = next(self.numbers)
        send(self.sock, {**request, "seq": seq})
        return seq

    def replies(self, seq: int, each: float, until: float = float("inf")) -> Iterator[dict[str, Any]]:
        """The frames answering request `seq`, each within `each` seconds, all before the monotonic `until`."""
        while True:
            deadline = min(time.monotonic() + each, until)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self.sock.settimeout(left)
                frame = receive(self.sock)
                if frame["seq"] == seq:
                    break
            yield frame

    def ask(self, request: Mapping[str, Any], timeout: float, until: float = float("inf")) -> dict[str, Any]:
        return next(self.replies(self.send(request), timeout, until))

    def close(self) -> None:
        self.sock.close()
