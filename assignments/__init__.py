"""The assignment's authoring sources (the chapter's prose, the instructor's choices, otter's configuration),
installed as the package data `convkit.assignment` so that an installed convkit builds and grades anywhere."""

from pathlib import Path

FOLDER = Path(__file__).resolve().parent
