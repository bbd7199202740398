"""The worker: a confined process that loads one submission and answers the judge's requests."""

from __future__ import annotations

import os
import socket
from typing import Any

from . import probes
from .confine import Limits, confine
from .wire import Op, Status, WireError, receive, send


def serve(sock: socket.socket, limits: Limits, uid: int | None, output_path: str) -> None:
    """Never returns: the process exits when the judge hangs up or the zygote kills it."""
    try:
        confine(limits, uid, sock.fileno(), output_path)
        namespace = probes.new_namespace()
        while True:
            try:
                request: Any = receive(sock)
            except (EOFError, WireError, OSError):
                break
            if request.get("op") == Op.LOAD:
                for reply in probes.run_cells(namespace, list(request["cells"]), set(request.get("skip", []))):
                    send(sock, reply)  # type: ignore[arg-type]
                send(sock, {"status": Status.OK})
            else:
                send(sock, {**probes.handle(namespace, request), "seq": request.get("seq")})
    finally:
        os._exit(0)
