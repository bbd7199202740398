"""Preloaded by test_cluster's poisoned workers (`dask worker --preload tests/cluster_poison.py`):
their judge runs out of memory grading a file that holds POISON. On main, the judge itself did so on
an 80 KB file of 40,000 `0` statements (4 GB); that is being made linear, and no other student file
is known to, so the test simulates one in the judge, where such a file would do it."""

from __future__ import annotations

import time
from typing import Any

POISON = b"# convkit test: the judge runs out of memory grading this file"
CHUNK = 64 << 20


def dask_setup(worker: Any) -> None:
    """Wrap the worker's judge: on POISON, fill twice the worker's memory limit, then wait."""
    from convkit.batch import pool

    real = pool.judge

    def judge(job: Any, *args: Any) -> Any:
        if POISON in job.data:
            hog = [b"x" * CHUNK for _ in range(2 * worker.memory_manager.memory_limit // CHUNK)]
            time.sleep(600)  # its nanny restarts the worker long before (at 95% of its limit)
            del hog
        return real(job, *args)

    pool.judge = judge
