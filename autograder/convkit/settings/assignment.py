"""The instructor's choices for the assignment (`assignments/convkit.toml`, or a course's own
`convkit.toml`), read and validated in one place: every mistake is one line that names the file, the
key and what is allowed."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from convkit.errors import ConfigError
from convkit.exercises.questions import BY_ID
from convkit.exercises.sources import ASSIGNMENT_FOLDER as FOLDER
from convkit.settings.inputs import read_text
from convkit.worker.protocol import Isolation

FILE = "convkit.toml"
DEFAULT = FOLDER / FILE
FILE_BYTES = 64 << 10
"""The largest convkit.toml read: it holds a few lines."""


class FromScratch(StrEnum):
    OFF = "off"
    FEEDBACK = "feedback"
    ZERO = "zero"


@dataclass(frozen=True)
class AssignmentConfig:
    show_hidden: bool = True
    from_scratch: FromScratch = FromScratch.FEEDBACK
    forbid: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Question id -> names its answer may not call (through the submission's own helpers too)."""
    min_isolation: Isolation = Isolation.UID
    """The least isolation a sandbox must give; below it nothing is graded."""

    def to_dict(self) -> dict[str, Any]:
        """The form `from_dict` reads back: what the otter plugin gets in the zip's
        configuration."""
        return {
            "show_hidden": self.show_hidden,
            "from_scratch": str(self.from_scratch),
            "forbid": {k: list(v) for k, v in self.forbid.items()},
            "min_isolation": str(self.min_isolation),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "the configuration") -> AssignmentConfig:
        show_hidden = data.get("show_hidden", True)
        if not isinstance(show_hidden, bool):
            raise ConfigError(f"{where}: show_hidden must be true or false, not {show_hidden!r}")
        mode = data.get("from_scratch", "feedback")
        if mode not in tuple(FromScratch):
            raise ConfigError(
                f"{where}: from_scratch mode must be one of "
                f"{', '.join(map(repr, map(str, FromScratch)))}, not {mode!r}"
            )
        forbid = data.get("forbid", {})
        if not isinstance(forbid, dict):
            raise ConfigError(
                f"{where}: [from_scratch.forbid] must map question ids to lists of names"
            )
        for question, names in forbid.items():
            if question not in BY_ID:
                raise ConfigError(
                    f"{where}: [from_scratch.forbid] names {question!r}, which is not a question "
                    f"(one of {', '.join(BY_ID)})"
                )
            if not isinstance(names, list) or not all(
                isinstance(name, str) and name.isidentifier() for name in names
            ):
                raise ConfigError(
                    f"{where}: [from_scratch.forbid] {question} must be a list of names such as "
                    '["conv2d"]'
                )
        floor = data.get("min_isolation", str(Isolation.UID))
        if floor not in tuple(Isolation):
            raise ConfigError(
                f"{where}: min_isolation must be one of "
                f"{', '.join(map(repr, map(str, Isolation)))} (weakest first), not {floor!r}"
            )
        return cls(
            show_hidden,
            FromScratch(mode),
            {q: tuple(names) for q, names in forbid.items()},
            Isolation(floor),
        )


KNOWN = {
    "gradescope": {"show_hidden"},
    "from_scratch": {"mode", "forbid"},
    "sandbox": {"min_isolation"},
    "prairielearn": {"image"},
}
"""Each table of convkit.toml and its keys."""
DEFAULT_IMAGE = "convkit-grader"
"""The Docker image PrairieLearn grades with unless [prairielearn] image names another: the name of
`build/prairielearn/image/` built locally (a production PrairieLearn pulls from Docker Hub)."""
IMAGE = re.compile(r"[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?")


def read(course: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """The course's `convkit.toml` when it has one, else the assignment's own: where, its tables."""
    path = course / FILE if course is not None and (course / FILE).is_file() else DEFAULT
    try:
        data = tomllib.loads(read_text(path, FILE_BYTES, ConfigError))
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    for table, value in data.items():
        if table not in KNOWN or not isinstance(value, dict):
            known = ", ".join(f"[{t}]" for t in KNOWN)
            raise ConfigError(f"{path}: unknown table [{table}] (known: {known})")
        for key in value:
            if key not in KNOWN[table]:
                known = ", ".join(sorted(KNOWN[table]))
                raise ConfigError(f"{path}: unknown key {key!r} in [{table}] (known: {known})")
    return path, data


def load(course: Path | None = None) -> AssignmentConfig:
    """The instructor's grading choices: the course's `convkit.toml` when it has one, else the
    assignment's own."""
    path, data = read(course)
    scratch = data.get("from_scratch", {})
    flat = {
        "show_hidden": data.get("gradescope", {}).get("show_hidden", True),
        "from_scratch": scratch.get("mode", "feedback"),
        "forbid": scratch.get("forbid", {}),
        "min_isolation": data.get("sandbox", {}).get("min_isolation", str(Isolation.UID)),
    }
    return AssignmentConfig.from_dict(flat, str(path))


def grader_image(course: Path | None = None) -> str:
    """The Docker image PrairieLearn grades with: [prairielearn] image, else DEFAULT_IMAGE."""
    path, data = read(course)
    image = data.get("prairielearn", {}).get("image", DEFAULT_IMAGE)
    if not isinstance(image, str) or not IMAGE.fullmatch(image):
        such = 'a Docker image such as "account/convkit-grader"'
        raise ConfigError(f"{path}: [prairielearn] image must name {such}, not {image!r}")
    return image
