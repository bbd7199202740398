"""The server that judge processes fork from: multiprocessing's forkserver, which imports the judge (torch, the
checks) once. Light on purpose: `convkit grade` starts it before importing torch itself, so that the two imports,
seconds each, run side by side."""

from __future__ import annotations

import multiprocessing
from multiprocessing import forkserver

CONTEXT = multiprocessing.get_context("forkserver")
CONTEXT.set_forkserver_preload(["convkit.judge.quiet", "convkit.judge.pool"])


def start_early() -> None:
    """Start the server now rather than at the first judge (it returns at once; the server imports meanwhile)."""
    forkserver.ensure_running()
