"""Shared paths for the kit's own tests."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "solutions" / "convolutions.py"
STUBS = REPO / "student_template" / "convolutions.py"

BASE_LINE = re.compile(r"^# base: (\S+)", re.MULTILINE)


def expand(path: Path, folder: Path) -> Path:
    """A catalog or attack file holds only what it changes; its `# base:` line names the correct submission it
    changes. Write the whole submission (the base, then the file, whose definitions win) under the same name."""
    text = path.read_text()
    match = BASE_LINE.search(text) if path.suffix == ".py" else None
    if match is None:
        return path
    whole = folder / path.name
    whole.write_text((REPO / match.group(1)).read_text() + "\n\n" + text)
    return whole
