"""The worker: a confined process that loads one submission and answers the judge's requests."""

from __future__ import annotations

import os
import socket
import time

from . import probes
from .confine import Walls, confine
from .protocol import (
    ACK_SECONDS,
    Limits,
    Op,
    Status,
    WireError,
    is_probe,
    load_request,
    receive,
    refused,
    send,
)


def serve(
    sock: socket.socket, limits: Limits, uid: int | None, output_path: str, walls: Walls
) -> None:
    """Never returns: the process exits when the judge hangs up, the zygote kills it, or it cannot
    be confined.
    `walls`: `confine`'s.

    Its first frame (number 0) is sent before any code of the submission runs, so none can forge it:
    READY once confined, or REFUSED with why not (a limit this machine does not allow): the
    sandbox's fault, not the submission's."""
    try:
        try:
            confine(limits, uid, sock.fileno(), output_path, walls)
        except Exception as error:  # noqa: BLE001 - all of it is the judge's to know
            send(sock, refused(0, f"{type(error).__name__}: {error}"))
            return
        send(sock, {"status": Status.READY, "seq": 0})
        probes.WORKDIR = os.getcwd()
        namespace = probes.new_namespace()
        while True:
            try:
                request = receive(sock)
            except (EOFError, WireError, OSError):
                break
            seq = request["seq"]
            if request.get("op") == Op.LOAD:
                try:
                    load = load_request(request)
                except WireError as error:
                    send(sock, refused(seq, str(error)))
                    continue
                code = load["cells"], load["places"], load["file"]
                told, held = time.monotonic(), None
                for reply in probes.run_cells(namespace, *code, set(load["skip"])):
                    now = time.monotonic()
                    if load["each"] or reply["status"] != Status.OK or now - told >= ACK_SECONDS:
                        send(sock, {**reply, "seq": seq})
                        told, held = now, None
                    else:  # acknowledged by the next reply that is sent: cells run in order
                        held = reply
                if held is not None:
                    send(sock, {**held, "seq": seq})
                send(sock, {"status": Status.DONE, "seq": seq})
            elif is_probe(request):
                send(sock, {**probes.handle(namespace, request), "seq": seq})
            else:
                send(sock, refused(seq, f"a worker does not do {str(request.get('op'))[:40]!r}"))
    finally:
        os._exit(0)
