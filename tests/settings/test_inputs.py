"""An instructor's own files beside the submissions (a course's convkit.toml and seed) are read only
within a size cap: one over it is one line naming it, and is never read whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from convkit.errors import ConfigError, SeedError
from convkit.settings import assignment as assignment_config
from convkit.settings.assignment import FILE, FILE_BYTES
from convkit.settings.course import SEED_BYTES, SEED_FILE, course_seed


def test_a_settings_file_past_its_cap_is_one_line(tmp_path: Path) -> None:
    (tmp_path / FILE).write_text("# " + "x" * FILE_BYTES + "\n")
    with pytest.raises(ConfigError, match=f"{FILE} is over 64 KiB, more than such a file holds"):
        assignment_config.load(tmp_path)


def test_a_seed_file_past_its_cap_is_one_line(tmp_path: Path) -> None:
    (tmp_path / SEED_FILE).write_text("1\n" * SEED_BYTES)
    with pytest.raises(SeedError, match=f"{SEED_FILE} is over 4 KiB") as refused:
        course_seed(tmp_path)
    assert "\n" not in str(refused.value)
