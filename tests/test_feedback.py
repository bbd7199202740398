"""The comparison helpers: each failure has a reason to group by, a one-line detail, and the bug it matches."""

from __future__ import annotations

import pytest
import torch

from convkit.judge.errors import CheckFailed
from convkit.judge.feedback import expect_inputs_unchanged, expect_tensor, known_bug, shape_hint
from convkit.worker.protocol import Foreign

EXPECTED = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


def failure(value: object, **kwargs: object) -> CheckFailed:
    with pytest.raises(CheckFailed) as failed:
        expect_tensor(value, EXPECTED, where="on X", **kwargs)  # type: ignore[arg-type]
    return failed.value


def test_a_correct_tensor_passes_within_tolerance() -> None:
    assert expect_tensor(EXPECTED + 1e-6, EXPECTED, where="on X") is not None


@pytest.mark.parametrize(
    ("value", "reason", "detail"),
    [
        (Foreign("builtins.object"), "not a tensor", "expected a torch.Tensor, got an object of type builtins.object"),
        ([[1.0]], "not a tensor", "got list [[1.0]]"),
        (EXPECTED.long(), "not a floating-point tensor", "got dtype int64"),
        (EXPECTED[:1], "wrong shape", "expected shape (2, 3), got (1, 3): the output is one row short"),
        (EXPECTED + 1, "wrong values", "max error 1 (a correct answer reaches < 0.0001)"),
    ],
)
def test_each_kind_of_wrong_answer_has_its_reason(value: object, reason: str, detail: str) -> None:
    failed = failure(value)
    assert failed.reason == reason and detail in failed.detail and failed.detail.startswith("on X: ")


def test_known_bugs_are_named_as_fields_not_appended_to_text() -> None:
    failed = failure(EXPECTED.flip(1), bugs={"the columns are reversed": lambda: EXPECTED.flip(1)})
    assert failed.bug == "the columns are reversed" and "reversed" not in failed.detail
    assert failure(-EXPECTED).bug == "the sign is flipped"
    assert failure(torch.zeros(2, 3)).bug == "the output is all zeros: are the results written into Y?"
    assert failure(EXPECTED.t().contiguous()).bug == "the output is transposed"
    assert failure(EXPECTED + 1).bug is None


def test_a_bug_that_cannot_happen_on_this_input_is_skipped() -> None:
    def impossible() -> torch.Tensor:
        raise RuntimeError("shape mismatch")

    assert known_bug(EXPECTED * 2, EXPECTED, {"impossible": impossible, "doubled": lambda: EXPECTED * 2}) == "doubled"


@pytest.mark.parametrize(
    ("actual", "expected", "hint"),
    [
        ((3, 5), (4, 5), ": the output is one row short"),
        ((4, 7), (4, 5), ": the output is 2 columns too many"),
        ((5, 4), (4, 5), " (the dimensions are in the wrong order)"),
        ((2, 4, 5), (4, 5), " (3 dimensions instead of 2)"),
        ((2, 3, 5), (2, 4, 5), ": the output is one row short"),
    ],
)
def test_shape_hints(actual: tuple[int, ...], expected: tuple[int, ...], hint: str) -> None:
    assert shape_hint(actual, expected) == hint


def test_inputs_modified_in_place_are_reported() -> None:
    X = torch.ones(2, 2)
    with pytest.raises(CheckFailed, match="the input X was modified in place") as failed:
        expect_inputs_unchanged([torch.zeros(2, 2)], {"X": X}, "on X")
    assert failed.value.reason == "modified its input"
    expect_inputs_unchanged([X.clone(), None], {"X": X, "K": X}, "on X")
