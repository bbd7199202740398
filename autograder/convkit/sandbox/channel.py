"""Numbered requests over a socket: only a reply that echoes a request's number answers it."""

from __future__ import annotations

import itertools
import json
import socket
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from convkit.worker.protocol import frame_size, framed, parse_frame, receive_frame, send

READ_BYTES = 1 << 16
SEND_BUFFER = 256 << 10
"""A worker channel's send buffer: room for a chunk of requests sent at once
(`convkit.sandbox.replay.CHUNK_BYTES`), whatever the system's default."""


def encoded(request: Mapping[str, Any]) -> bytes:
    """A request as `Channel.send_many` takes it: a JSON object without its number."""
    return json.dumps(
        {key: value for key, value in request.items() if key != "seq"}, separators=(",", ":")
    ).encode()


class Channel:
    """The judge's end of a socket to a zygote or a worker.

    Each request gets a fresh number; frames with any other number (forged by a submission, or left
    behind by a cell, a thread or an earlier call) are skipped, so they can neither answer a later
    request nor stall it past its deadline. Raises TimeoutError, EOFError, OSError or WireError
    (`convkit.worker.protocol.receive`).
    """

    def __init__(self, sock: socket.socket, buffered: bool = False) -> None:
        self.sock = sock
        self.numbers = itertools.count(1)
        self.buffer: bytearray | None = bytearray() if buffered else None
        """A buffered channel reads whatever has arrived at once, so replies sent in a row cost one
        system call. Never for a zygote's, whose socket also carries descriptors that a large read
        would swallow."""
        if buffered:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)

    def send(self, request: Mapping[str, Any]) -> int:
        seq = next(self.numbers)
        send(self.sock, {**request, "seq": seq})
        return seq

    def send_many(self, requests: Sequence[bytes], timeout: float) -> list[int]:
        """Send requests at once (one system call), to be answered in turn; their numbers, in order.
        Each is a JSON object already encoded (`encoded`), without its number. The caller keeps
        their bytes within SEND_BUFFER, or the send could wait for a worker busy sending replies
        that nobody reads yet."""
        seqs = [next(self.numbers) for _ in requests]
        self.sock.settimeout(timeout)
        self.sock.sendall(
            b"".join(
                framed(b'%s,"seq":%d}' % (body[:-1], seq))
                for body, seq in zip(requests, seqs, strict=True)
            )
        )
        return seqs

    def replies(
        self, seq: int, each: float, until: float = float("inf")
    ) -> Iterator[dict[str, Any]]:
        """The frames answering request `seq`, each within `each` seconds, all before the monotonic
        `until`."""
        for frame, _ in self.frames(seq, each, until):
            yield frame

    def frames(
        self, seq: int, each: float, until: float = float("inf")
    ) -> Iterator[tuple[dict[str, Any], bytes]]:
        """`replies`, each with its bytes as received."""
        while True:
            deadline = min(time.monotonic() + each, until)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self.sock.settimeout(left)
                frame, body = (
                    receive_frame(self.sock)
                    if self.buffer is None
                    else self.buffered_frame(deadline)
                )
                if frame["seq"] == seq:
                    break
            yield frame, body

    def buffered_frame(self, deadline: float) -> tuple[dict[str, Any], bytes]:
        """The next frame, read before the monotonic `deadline` however slowly its bytes come."""
        assert self.buffer is not None
        buffer = self.buffer
        while len(buffer) < 4 or len(buffer) < 4 + frame_size(buffer[:4]):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self.sock.settimeout(left)
            chunk = self.sock.recv(READ_BYTES)
            if not chunk:
                raise EOFError("the other end closed the connection")
            buffer += chunk
        end = 4 + frame_size(buffer[:4])
        body = bytes(buffer[4:end])
        del buffer[:end]
        return parse_frame(body), body

    def ask(
        self, request: Mapping[str, Any], timeout: float, until: float = float("inf")
    ) -> dict[str, Any]:
        return next(self.replies(self.send(request), timeout, until))

    def close(self) -> None:
        self.sock.close()
