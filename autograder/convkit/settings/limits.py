"""Grading settings: one validated object, each key described once (the CLI's help text comes from
here)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

from convkit.worker.protocol import Limits


def setting(default: int, description: str, minimum: int = 1) -> int:
    return field(default=default, metadata={"description": description, "minimum": minimum})


@dataclass(frozen=True)
class GradingConfig:
    call_timeout: int = setting(
        10, "seconds one call of a student function may take before its worker is killed"
    )
    cell_timeout: int = setting(
        20, "seconds one notebook cell (or top-level statement) may take while loading"
    )
    submission_timeout: int = setting(
        180, "seconds of wall clock for all of one submission; later checks fail"
    )
    memory_mb: int = setting(
        1024, "MiB of address space a worker may map beyond what torch already maps"
    )
    cpu_seconds: int = setting(
        60, "seconds of CPU time for one worker (a backstop behind the wall-clock timeouts)"
    )
    output_kb: int = setting(
        1024, "KiB a worker may write (stdout, stderr and files); past it the kernel stops it"
    )
    processes: int = setting(
        16, "processes a worker's uid may run at once (only when grading as root)"
    )
    jobs: int = setting(
        os.cpu_count() or 1,
        "submissions graded in parallel on this machine, each in its own sandbox; with "
        "--scheduler, the cluster's worker threads decide instead",
    )

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if type(value) is not int or value < item.metadata["minimum"]:
                raise ValueError(
                    f"{item.name.replace('_', '-')} must be an integer >= "
                    f"{item.metadata['minimum']}, not {value!r}"
                )

    def limits(self) -> Limits:
        return Limits(
            memory_bytes=self.memory_mb << 20,
            cpu_seconds=self.cpu_seconds,
            output_bytes=self.output_kb << 10,
            processes=self.processes,
        )
