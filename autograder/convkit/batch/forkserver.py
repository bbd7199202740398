"""The server that judge processes fork from: multiprocessing's forkserver, which imports the judge
(torch, the checks) once. Light on purpose: `convkit grade` starts it before importing torch itself,
so that the two imports, seconds each, run side by side."""

from __future__ import annotations

import multiprocessing
import signal
from multiprocessing import forkserver

CONTEXT = multiprocessing.get_context("forkserver")
CONTEXT.set_forkserver_preload(["convkit.batch.quiet", "convkit.batch.pool"])


def start_early() -> None:
    """Start the server now rather than at the first judge (it returns at once; the server imports
    meanwhile).

    The server starts with Ctrl-C ignored: an ignored signal stays ignored across exec, and Python
    then leaves it so, whereas `quiet` comes only after multiprocessing's own imports, and a Ctrl-C
    before it printed the server's traceback. Here the signal is blocked meanwhile, so a Ctrl-C in
    that moment is held for this process, not lost (the server lets it through once it ignores
    it)."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        forkserver.ensure_running()
    finally:
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
