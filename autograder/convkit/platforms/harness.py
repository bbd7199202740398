"""One submission graded as a course platform's harness grades it: Gradescope's (the otter plugin
in `autograder.zip`) and PrairieLearn's (the question's grader, `convkit.platforms.prairielearn`),
with the settings that `convkit build` wrote for it, so that both grade as `convkit grade` does."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from convkit.exercises.sources import ASSIGNMENT_FOLDER
from convkit.settings.assignment import AssignmentConfig
from convkit.settings.limits import GradingConfig

if TYPE_CHECKING:
    from convkit.batch.run import Batch

PLUGIN = "convkit.platforms.otter.ConvkitPlugin"
OTTER_CONFIG = ASSIGNMENT_FOLDER / "otter_config.json"


def settings(seed: int, assignment: AssignmentConfig) -> dict[str, Any]:
    """What a harness grades with: the plugin's entry in the assignment's otter_config.json (its
    backend), the course's grading seed and the instructor's choices. Secret (the seed): only for
    files students never see."""
    for plugin in json.loads(OTTER_CONFIG.read_text())["plugins"]:
        if isinstance(plugin, dict) and PLUGIN in plugin:
            return {**plugin[PLUGIN], "seed": seed, "assignment": assignment.to_dict()}
    raise ValueError(f"{OTTER_CONFIG} does not list the plugin {PLUGIN}")


def grade_one(path: Path, given: Mapping[str, Any], seed: str | None = None) -> Batch:
    """The engine's grade of the file at `path` with `given` settings (`settings`, plus any grading
    limit of GradingConfig), by one judge in this process; `seed` replaces the course's."""
    from convkit.sandbox.backends import choose
    from convkit.sandbox.slot import early_slot
    from convkit.settings.course import parse_seed

    limits = {key: given[key] for key in given if key in GradingConfig.__dataclass_fields__}
    config = GradingConfig(**{"jobs": 1, **limits})
    chosen = parse_seed(seed or str(given["seed"]))
    assignment = AssignmentConfig.from_dict(given.get("assignment", {}), "the grader's settings")
    floor = assignment.min_isolation  # the course's least isolation, as `convkit grade` has it
    backend = choose(str(given.get("backend", "auto")), floor)
    launched = early_slot(backend, config)  # it imports torch as this process imports the judge
    try:
        from convkit.batch.run import grade_batch
        from convkit.settings.run import GradingRun

        run = GradingRun(config, chosen, assignment)
        return grade_batch([path], run, backend, progress=False, launched=launched)
    finally:
        if launched is not None:
            launched.close()
