"""Run the hidden suites with plain pytest against any implementation file:

    pytest autograder/convkit/exercises/hidden --impl solutions/convolutions.py [--seed N|fresh]

The file runs in this process (so use it for trusted files such as the reference or the stubs;
students' files go through `convkit grade`, which runs them in a sandbox). Each question sees
correct versions of the questions before it, exactly as in grading.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from convkit.checking.checks import Check, generator
from convkit.checking.student import Student
from convkit.errors import SeedError
from convkit.exercises.questions import earlier_symbols
from convkit.grading.inprocess import InProcessStudent
from convkit.settings.course import fresh_seed, parse_seed


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--impl",
        type=Path,
        help="the implementation file to check (a .py defining the nine answers)",
    )
    parser.addoption(
        "--seed",
        default="0",
        help="the seed of the hidden inputs, or 'fresh' (default: 0, so runs repeat)",
    )


SEED = pytest.StashKey[int]()


def pytest_configure(config: pytest.Config) -> None:
    option = config.getoption("--seed")
    try:
        config.stash[SEED] = fresh_seed() if option == "fresh" else parse_seed(option)
    except SeedError as error:
        raise pytest.UsageError(f"--seed: {error}") from None


def pytest_report_header(config: pytest.Config) -> str:
    return f"convkit: --impl {config.getoption('--impl')}, --seed {config.stash[SEED]}"


@pytest.fixture(scope="module")
def student(request: pytest.FixtureRequest) -> Student:
    path = request.config.getoption("--impl")
    if path is None:
        pytest.exit(
            "the hidden suites need --impl PATH (for example --impl solutions/convolutions.py)",
            returncode=4,
        )
    if not path.is_file():
        pytest.exit(f"--impl {path}: no such file", returncode=4)
    implementation = InProcessStudent(path)
    implementation.substitute(earlier_symbols(request.module.__name__.rsplit(".test_", 1)[1]))
    return implementation


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> torch.Generator:
    points, name = request.function.convkit_check
    question = request.module.__name__.rsplit(".test_", 1)[1]
    return generator(request.config.stash[SEED], Check(question, name, points, request.function))
