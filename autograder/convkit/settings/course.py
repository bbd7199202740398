"""The course folder, where an instructor runs convkit: it keeps the assignment's grading seed, a
secret.

The seed decides every hidden input. It is drawn once, when the course first builds (or grades
with `--seed fresh`), written to `convkit-seed.txt` in the course folder (readable by its owner
only), copied into `autograder.zip` (never into the student bundle), and used by every later build
and grading run, so a regrade gives byte-identical results. Grading never draws it silently: a run
that finds no seed stops and says where one can come from, since a new seed would grade with other
inputs than the zip on Gradescope.
"""

from __future__ import annotations

import json
import os
import secrets
import zipfile
from pathlib import Path

from convkit.errors import SeedError
from convkit.platforms.harness import PLUGIN
from convkit.settings.inputs import read_text

OLD_PLUGIN = "convkit.otter_plugin.ConvkitPlugin"
"""The plugin's name in zips that convkit 0.1 built, whose seed `--autograder` still reads."""

SEED_FILE = "convkit-seed.txt"
SEED_BYTES = 4 << 10
"""The largest seed file read: it holds a comment and one number."""
HEADER = (
    "# convkit's grading seed for this course: it decides every hidden input, so keep it secret "
    "(not in a public\n"
    "# repository, never in what students get). Grading with it again gives the same results; "
    "delete it (or grade\n"
    "# with --seed fresh) for new inputs.\n"
)
"""The otter plugin's name in an autograder zip's otter_config.json (its settings hold the seed)."""


def fresh_seed() -> int:
    return secrets.randbits(62)


def parse_seed(text: str) -> int:
    """A seed as the command line or the seed file gives it: a non-negative integer below 2**63."""
    try:
        seed = int(text.strip())
    except ValueError:
        raise SeedError(
            f"{text.strip()[:40]!r} is not a seed: use a non-negative integer or 'fresh'"
        ) from None
    if not 0 <= seed < 2**63:
        raise SeedError(f"the seed must be between 0 and 2**63 - 1, not {seed}")
    return seed


def kept_seed(folder: Path) -> int | None:
    """The seed kept in the course folder, or None where it keeps none."""
    path = folder / SEED_FILE
    if not path.exists():
        return None
    if not path.is_file():
        raise SeedError(f"{path} exists but is not a file")
    text = read_text(path, SEED_BYTES, SeedError).splitlines()
    lines = [line for line in text if line.strip() and not line.lstrip().startswith("#")]
    if len(lines) != 1:
        raise SeedError(f"{path} should hold one seed line; delete it to draw a new seed")
    try:
        return parse_seed(lines[0])
    except SeedError as error:
        raise SeedError(f"{path}: {error}") from None


def keep_new_seed(folder: Path) -> int:
    """Draw the course's seed and write it to its seed file, which must not exist yet."""
    path = folder / SEED_FILE
    seed = fresh_seed()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise SeedError(f"cannot write the course's seed to {path}: {error.strerror}") from None
    with os.fdopen(descriptor, "w") as handle:
        handle.write(f"{HEADER}{seed}\n")
    return seed


def where(folder: Path) -> Path:
    """The course's seed file as the instructor is told of it (absolute: it says which course)."""
    return (folder / SEED_FILE).resolve()


def drew(folder: Path) -> str:
    return f"drew the course's grading seed and kept it in {where(folder)}; keep that file secret"


def used(folder: Path) -> str:
    return f"used the course's grading seed in {where(folder)}"


def course_seed(folder: Path) -> tuple[int, str]:
    """The course's seed for a build, drawn and kept the first time, and a line naming its file."""
    seed = kept_seed(folder)
    return (keep_new_seed(folder), drew(folder)) if seed is None else (seed, used(folder))


def zip_seed(path: Path) -> int:
    """The seed that an autograder zip from `convkit build` carries, in its plugin's settings."""
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("otter_config.json"))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as error:
        why = f"not an autograder zip that convkit build wrote ({error})"
        raise SeedError(f"--autograder {path}: {why}") from None
    plugins = config.get("plugins") if isinstance(config, dict) else None
    for plugin in plugins if isinstance(plugins, list) else []:
        found = (
            (plugin.get(name) for name in (PLUGIN, OLD_PLUGIN)) if isinstance(plugin, dict) else ()
        )
        settings = next((value for value in found if value is not None), None)
        if isinstance(settings, dict) and "seed" in settings:
            try:
                return parse_seed(str(settings["seed"]))
            except SeedError as error:
                raise SeedError(f"--autograder {path}: {error}") from None
    raise SeedError(f"--autograder {path}: its otter_config.json gives the convkit plugin no seed")


def resolve_seed(
    option: str | None, folder: Path, autograder: Path | None = None
) -> tuple[int, str | None]:
    """The seed for a grading run (`--seed N`, `--seed fresh`, the seed of `--autograder`, or the
    course's), and a line telling the instructor where it came from. Without any, a course that
    keeps no seed is refused."""
    if autograder is not None:
        if option is not None:
            raise SeedError("--seed and --autograder both choose the seed; give one of them")
        seed = zip_seed(autograder)
        kept = kept_seed(folder)
        other = f" (not the course's seed in {where(folder)})" if kept not in (None, seed) else ""
        return seed, f"graded with the grading seed that {autograder} carries{other}"
    if option == "fresh":
        if kept_seed(folder) is None:
            return keep_new_seed(folder), drew(folder)
        seed = fresh_seed()
        return seed, f"graded with a fresh seed, {seed}; replay it with --seed {seed}"
    if option is not None:
        return parse_seed(option), None
    kept = kept_seed(folder)
    if kept is None:
        raise SeedError(
            f"no grading seed here: {where(folder)} does not exist. Run from the course folder or "
            "pass --course DIR; or grade with the seed of the zip Gradescope grades with, "
            "--autograder build/autograder.zip; or start a new course with --seed fresh"
        )
    return kept, used(folder)
