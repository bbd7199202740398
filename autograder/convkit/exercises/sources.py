"""Where the assignment's sources are: the package data `convkit.assignment` when convkit is
installed (a wheel or `pip install -e`), or the checkout's `assignments/` when its `autograder/` is
only put on PYTHONPATH (the device machine, a quick try)."""

from __future__ import annotations

from pathlib import Path

try:
    from convkit.assignment import FOLDER as ASSIGNMENT_FOLDER
except ImportError:  # not installed: a checkout on PYTHONPATH
    ASSIGNMENT_FOLDER = Path(__file__).resolve().parents[3] / "assignments"
