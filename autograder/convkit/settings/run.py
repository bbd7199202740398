"""One grading run's shared settings, as every judge of it receives them, wherever it grades."""

from __future__ import annotations

from dataclasses import dataclass, field

from convkit.settings.assignment import AssignmentConfig, load
from convkit.settings.limits import GradingConfig


@dataclass(frozen=True)
class GradingRun:
    """The grader's limits, the course's seed and the instructor's choices: the same for every
    submission of a run, so they travel together (to judge processes, to a cluster's workers, to the
    otter plugin)."""

    config: GradingConfig
    seed: int
    assignment: AssignmentConfig = field(default_factory=load)
    """By default the assignment's own choices (assignments/convkit.toml)."""
