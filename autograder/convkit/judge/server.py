"""The server that judge processes fork from: multiprocessing's forkserver, which imports the judge (torch, the
checks) once. Light on purpose: `convkit grade` starts it before importing torch itself, so that the two imports,
seconds each, run side by side."""

from __future__ import annotations

import multiprocessing
import signal
import threading
from multiprocessing import forkserver

CONTEXT = multiprocessing.get_context("forkserver")
CONTEXT.set_forkserver_preload(["convkit.judge.pool"])


def start_early() -> None:
    """Start the server now rather than at the first judge (it returns at once; the server imports meanwhile).
    It starts with Ctrl-C ignored, which an exec keeps: the server and its judges leave it to this process,
    which stops them (otherwise a Ctrl-C while the server imports prints its traceback too)."""
    if threading.current_thread() is not threading.main_thread():
        forkserver.ensure_running()
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, previous)
