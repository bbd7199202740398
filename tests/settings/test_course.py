"""Where a grading run's seed comes from: the course's seed file, an autograder zip, or the
command line; never a seed drawn without being asked for."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from convkit.errors import SeedError
from convkit.settings.course import OLD_PLUGIN, PLUGIN, SEED_FILE, course_seed, resolve_seed


def autograder_zip(path: Path, config: object) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("otter_config.json", json.dumps(config))
    return path


def test_a_course_without_a_seed_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="does not exist") as error:
        resolve_seed(None, tmp_path)
    assert "\n" not in str(error.value) and list(tmp_path.iterdir()) == []


def test_a_build_draws_the_seed_once_and_grading_uses_it(tmp_path: Path) -> None:
    seed, told = course_seed(tmp_path)
    kept = tmp_path.resolve() / SEED_FILE
    assert told.startswith(f"drew the course's grading seed and kept it in {kept}")
    assert course_seed(tmp_path) == (seed, f"used the course's grading seed in {kept}")
    assert resolve_seed(None, tmp_path) == (seed, f"used the course's grading seed in {kept}")


def test_seed_fresh_starts_a_course_without_one_and_leaves_a_kept_one_alone(tmp_path: Path) -> None:
    seed, told = resolve_seed("fresh", tmp_path)
    assert told is not None and told.startswith("drew the course's grading seed")
    assert resolve_seed(None, tmp_path)[0] == seed
    other, told = resolve_seed("fresh", tmp_path)
    assert other != seed
    assert told == f"graded with a fresh seed, {other}; replay it with --seed {other}"
    assert resolve_seed(None, tmp_path)[0] == seed


def test_autograder_takes_the_seed_the_zip_carries(tmp_path: Path) -> None:
    config = {"plugins": [{PLUGIN: {"backend": "auto", "seed": 4242}}]}
    built = autograder_zip(tmp_path / "autograder.zip", config)
    course = tmp_path / "elsewhere"
    course.mkdir()
    said = f"graded with the grading seed that {built} carries"
    assert resolve_seed(None, course, built) == (4242, said)
    (course / SEED_FILE).write_text("17\n")
    other = f" (not the course's seed in {course.resolve() / SEED_FILE})"
    assert resolve_seed(None, course, built) == (4242, said + other)
    with pytest.raises(SeedError, match="--seed and --autograder both choose the seed"):
        resolve_seed("3", course, built)


def test_autograder_takes_the_seed_of_a_zip_built_before_the_plugin_moved(tmp_path: Path) -> None:
    """Zips on Gradescope name the plugin as convkit 0.1 did; regrading with them keeps working."""
    config = {"plugins": [{OLD_PLUGIN: {"backend": "auto", "seed": 99}}]}
    built = autograder_zip(tmp_path / "autograder.zip", config)
    assert resolve_seed(None, tmp_path, built)[0] == 99


@pytest.mark.parametrize(
    ("config", "said"),
    [
        ({"plugins": []}, "gives the convkit plugin no seed"),
        ({"plugins": [{PLUGIN: {"backend": "auto"}}]}, "gives the convkit plugin no seed"),
        ({"plugins": [{PLUGIN: {"seed": -1}}]}, "the seed must be between 0 and 2**63 - 1"),
        (["not", "a", "config"], "gives the convkit plugin no seed"),
    ],
)
def test_an_autograder_zip_without_a_seed_is_refused_in_one_line(
    tmp_path: Path, config: object, said: str
) -> None:
    with pytest.raises(SeedError) as error:
        resolve_seed(None, tmp_path, autograder_zip(tmp_path / "autograder.zip", config))
    assert said in str(error.value) and "\n" not in str(error.value)


def test_a_file_that_is_not_an_autograder_zip_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.zip").write_text("not a zip")
    with pytest.raises(SeedError, match="not an autograder zip that convkit build wrote"):
        resolve_seed(None, tmp_path, tmp_path / "notes.zip")
    with pytest.raises(SeedError, match="not an autograder zip that convkit build wrote"):
        resolve_seed(None, tmp_path, tmp_path / "missing.zip")
