"""Shared paths for the kit's own tests."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "solutions" / "convolutions.py"
STUBS = REPO / "student_template" / "convolutions.py"
