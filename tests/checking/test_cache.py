"""The judge's cache of oracle answers and bug outputs: a hit is exactly what computing again gives,
keys tell apart every dtype, shape, bit and argument type, and grades do not depend on what the
process graded before."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from convkit.checking import cache
from convkit.grading.engine import grade_in_process
from tests.conftest import CORPORA, REFERENCE, expand


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def counting() -> tuple[list[int], object]:
    calls: list[int] = []

    def compute() -> torch.Tensor:
        calls.append(1)
        return torch.ones(2)

    return calls, compute


def test_the_same_content_is_computed_once() -> None:
    calls, compute = counting()
    first = cache.computed("f", {"X": torch.tensor([1.0, 2.0]), "p": (1, 2)}, compute)
    again = cache.computed("f", {"X": torch.tensor([1.0, 2.0]), "p": (1, 2)}, compute)
    assert len(calls) == 1 and again is first


@pytest.mark.parametrize(
    "other",
    [
        {"X": torch.tensor([1.0, 2.5]), "p": (1, 2)},  # another value
        {"X": torch.tensor([1.0, 2.0], dtype=torch.float64), "p": (1, 2)},  # another dtype
        {"X": torch.tensor([[1.0, 2.0]]), "p": (1, 2)},  # another shape
        {"X": torch.tensor([1.0, 2.0]), "p": (1.0, 2)},  # equal in Python, another type
        {"X": torch.tensor([1.0, 2.0]), "p": (True, 2)},
        {"Y": torch.tensor([1.0, 2.0]), "p": (1, 2)},  # another name
        {
            "X": torch.tensor([-0.0, 2.0]).abs() * -1 * -1,
            "p": (1, 2),
            "q": None,
        },  # one more argument
    ],
)
def test_any_difference_is_another_key(other: dict[str, object]) -> None:
    calls, compute = counting()
    cache.computed("f", {"X": torch.tensor([1.0, 2.0]), "p": (1, 2)}, compute)
    cache.computed("f", other, compute)
    # another computation
    cache.computed("g", {"X": torch.tensor([1.0, 2.0]), "p": (1, 2)}, compute)
    assert len(calls) == 3


def test_negative_zero_and_nan_bits_are_told_apart() -> None:
    assert cache.content_key({"X": torch.tensor([0.0])}) != cache.content_key(
        {"X": torch.tensor([-0.0])}
    )
    assert cache.content_key({"X": torch.tensor([float("nan")])}) == cache.content_key(
        {"X": torch.tensor([float("nan")])}
    )


@pytest.mark.parametrize(
    "value",
    [
        object(),
        [1, 2],
        (torch.zeros(1),),
        torch.zeros(2, requires_grad=True),
        torch.zeros(2, dtype=torch.bfloat16),
    ],
    ids=["object", "list", "tuple of tensors", "needs grad", "bfloat16"],
)
def test_values_without_an_exact_key_are_never_cached(value: object) -> None:
    calls, compute = counting()
    cache.computed("f", {"v": value}, compute)
    cache.computed("f", {"v": value}, compute)
    assert len(calls) == 2


def test_listed_errors_are_cached_and_others_are_not() -> None:
    calls: list[int] = []

    def fails(error: Exception) -> object:
        def compute() -> object:
            calls.append(1)
            raise error

        return compute

    for _ in range(2):
        with pytest.raises(ValueError, match="cannot"):
            cache.computed("v", {"n": 1}, fails(ValueError("cannot")), errors=(ValueError,))
    assert len(calls) == 1
    for _ in range(2):
        with pytest.raises(KeyError):
            cache.computed("k", {"n": 1}, fails(KeyError("bug")), errors=(ValueError,))
    assert len(calls) == 3


class Traced(IndexError):
    """An error that copies and pickles with its traceback, as tblib (a dependency of Dask) makes
    every error do."""

    def __reduce_ex__(self, protocol: object) -> tuple[object, ...]:
        return (rebuilt, (self.args, self.__traceback__))


def rebuilt(args: tuple[object, ...], traceback: object) -> Traced:
    return Traced(*args).with_traceback(traceback)  # type: ignore[arg-type]


@pytest.mark.parametrize("error", [IndexError, Traced])
def test_a_cached_error_keeps_nothing_of_the_frames_that_raised_it(error: type[IndexError]) -> None:
    """A replayed error is a fresh one without a traceback: the cache must not hold a submission's
    objects alive through the frames of the call that raised (nor those of any replay)."""
    import gc
    import weakref

    class Submission:
        pass

    def fail() -> None:
        raise error("cannot happen here")

    def ask(submission: Submission) -> None:
        cache.computed("v", {"n": 1}, fail, errors=(IndexError,))

    for _ in range(2):  # computed, then replayed
        submission = Submission()
        alive = weakref.ref(submission)
        try:
            ask(submission)
        except IndexError as raised:
            assert type(raised) is error and raised.args == ("cannot happen here",)
        else:
            raise AssertionError("the error was not raised")
        del submission
        gc.collect()
        assert alive() is None


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    calls, compute = counting()
    for n in range(5):
        cache.computed("f", {"n": n}, compute)
    cache.computed("f", {"n": 4}, compute)  # recent: kept
    cache.computed("f", {"n": 0}, compute)  # oldest: evicted, computed again
    assert len(calls) == 6


def test_grades_do_not_depend_on_what_was_graded_before(tmp_path: Path) -> None:
    """A cold cache and one warmed by other submissions (some of them shrunk) give identical
    results."""
    catalog = CORPORA / "catalog"
    buggy = expand(catalog / "pad_stride__pad_one_side.py", tmp_path)
    cold = grade_in_process(buggy, seed=3)
    for path in (REFERENCE, expand(catalog / "corr2d__flipped_kernel.py", tmp_path), buggy):
        grade_in_process(path, seed=3)
    warm = grade_in_process(buggy, seed=3)
    assert (
        warm == cold
        and any(question.score < question.max_score for question in warm)
        and cache._answers
    )
