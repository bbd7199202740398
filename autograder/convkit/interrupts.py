"""How a convkit command stops on Ctrl-C or a batch system's SIGTERM: at a point of its choosing
(never half-way through writing a result, nor through importing torch), with one line saying what
was kept, and with the exit status a shell reports for that signal."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

INTERRUPTED = 128 + signal.SIGINT
"""The exit status of a run stopped by Ctrl-C; by SIGTERM, 128 + 15, as shells report either."""


@contextmanager
def stopped_by_sigterm(terminated: list[int]) -> Iterator[None]:
    """A batch system's SIGTERM stops a run as Ctrl-C does (what was graded is kept), and is noted
    in `terminated`; restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(number: int, frame: object) -> None:
        terminated.append(number)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back: one that comes meanwhile is handled as the block ends. By
    handlers that only take note, not by the signal mask: the mask is the calling thread's, and the
    kernel hands a signal to any thread that does not block it (torch's, the progress bar's), after
    which Python runs the handler in the main thread at once. Off the main thread (where handlers
    cannot be set), the block runs as it is.

    Around imports too: a KeyboardInterrupt inside one can be swallowed by the library's own bare
    `except`, which then fails with an error of its own (torch's import of dill did)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = (signal.SIGINT, signal.SIGTERM)
    came: list[int] = []
    previous = {
        number: signal.signal(number, lambda number, _: came.append(number)) for number in held
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if came:
            signal.raise_signal(came[0])


def keep_exit_status() -> None:
    """Make the status a command returns the one it exits with, after it caught a KeyboardInterrupt.
    Run as `python -m convkit.cli`, CPython notes one that leaves an exec() or eval() of a string,
    caught or not (dataclasses and namedtuple build their methods so, at import), and at exit kills
    itself by SIGINT whatever `sys.exit` was given. An exec that ends without one clears that
    note."""
    exec("")
