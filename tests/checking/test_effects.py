"""What a wrong output shows, from the output and the expected one alone: each relation on its own
case, that a relation is said only where every failing case agrees, and that no student value can
make one raise."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from convkit.checking.effects import UNDECIDED, Case, Layout, affine, describe, relation
from convkit.exercises.oracle import pool2d

PLANE = Layout(("rows", "columns"), {"X": ("H", "W"), "K": ("h", "w")})
CHANNELS = Layout(
    ("output channels", "rows", "columns"), {"X": ("c_i", "H", "W"), "K": ("c_o", "c_i", "h", "w")}
)
torch.manual_seed(0)
X, K = torch.randn(5, 6), torch.randn(2, 3)
EXPECTED = F.conv2d(X[None, None], K[None, None])[0, 0]
X3, K4 = torch.randn(3, 4, 5), torch.randn(2, 3, 2, 2)
EXPECTED3 = F.conv2d(X3[None], K4)[0]


def last_row_zeroed(t: torch.Tensor) -> torch.Tensor:
    out = t.clone()
    out[-1] = 0
    return out


@pytest.mark.parametrize(
    ("actual", "words"),
    [
        (EXPECTED.t(), "rows and columns are swapped: it is the expected output transposed"),
        (EXPECTED / 4, "every entry is the expected one divided by 4"),
        (-EXPECTED, "every entry has the opposite sign"),
        (EXPECTED + 0.5, "every entry is the expected one plus 0.5"),
        (torch.zeros_like(EXPECTED), "every entry is 0"),
        (last_row_zeroed(EXPECTED), "only the last row is wrong, the rest is right"),
        (EXPECTED.floor(), "every entry is the expected one rounded down to an integer"),
        (EXPECTED.flip(1), "it is the expected output with its columns in reverse order"),
        (
            torch.zeros(EXPECTED.shape[0], 6),
            "it has 6 columns where 4 were expected (more; 6 is X's width)",
        ),
        (
            EXPECTED[None],
            "it has an extra axis of size 1: shape (1, 4, 4), expected (4, 4) (rows, columns)",
        ),
        (EXPECTED.t()[:, :3], "it has 3 columns where 4 were expected (one fewer; 3 is K's width)"),
    ],
)
def test_each_relation_says_what_it_sees(actual: torch.Tensor, words: str) -> None:
    assert describe([Case({"X": X, "K": K}, EXPECTED, actual)], PLANE) == words


@pytest.mark.parametrize(
    ("actual", "expected", "words"),
    [
        (
            EXPECTED3[:1].squeeze(0),
            EXPECTED3[:1],
            "the axis of size 1 for the output channels is missing",
        ),
        (
            EXPECTED3.permute(1, 2, 0),
            EXPECTED3,
            "its axes are (rows, columns, output channels) instead of (output channels, rows, "
            "columns)",
        ),
        (
            torch.zeros(3, 3, 4),
            EXPECTED3,
            "it has 3 output channels where 2 were expected (one more; 3 is X's input channels "
            "and K's input",
        ),
        (
            torch.stack([EXPECTED3[0], EXPECTED3[1] + 1]),
            EXPECTED3,
            "only the first output channel is right, every other is wrong",
        ),
        (
            EXPECTED3.flip(0),
            EXPECTED3,
            "it is the expected output with its output channels in reverse order",
        ),
    ],
)
def test_channels_are_named_as_the_layout_says(
    actual: torch.Tensor, expected: torch.Tensor, words: str
) -> None:
    said = describe([Case({"X": X3, "K": K4}, expected, actual)], CHANNELS)
    assert said is not None and said.startswith(words), said


def test_windows_a_function_declares_name_the_wrong_outputs() -> None:
    """The running maximum that starts at 0: wrong exactly where a window holds only negative
    values."""
    X = torch.tensor([[-1.0, -2.0, 3.0], [-4.0, -5.0, 6.0], [7.0, 8.0, 9.0]])
    expected = pool2d(X, (2, 2))
    actual = expected.clamp(min=0)
    windows = lambda inputs: {  # noqa: E731
        "hold only negative values": X.unfold(0, 2, 1).unfold(1, 2, 1).flatten(-2).amax(-1) < 0
    }
    layout = Layout(("rows", "columns"), {"X": ("H", "W")}, windows)
    assert (
        describe([Case({"X": X}, expected, actual)], layout)
        == "only the outputs whose windows hold only negative values are wrong, every other is "
        "right"
    )


def test_a_relation_is_said_only_where_every_case_agrees() -> None:
    scaled = Case({"X": X, "K": K}, EXPECTED, EXPECTED * 2)
    shifted = Case({"X": X, "K": K}, EXPECTED, EXPECTED + 1)
    assert describe([scaled, shifted], PLANE) is None
    # one entry is a multiple of anything: it tells nothing
    tiny = Case({}, torch.tensor([[3.0]]), torch.tensor([[6.0]]))
    assert affine(tiny, PLANE) is UNDECIDED
    assert describe([tiny], PLANE) is None
    assert describe([scaled, tiny], PLANE) == "every entry is 2 times the expected one"


def test_a_coincidence_of_size_one_is_never_a_source() -> None:
    """Everything small has size 1: a size is said to be an input's only when it is of the axis's
    own kind."""
    X1, K1 = torch.randn(1, 4), torch.randn(1, 2)
    expected = F.conv2d(X1[None, None], K1[None, None])[0, 0]  # (1, 3)
    said = relation([Case({"X": X1, "K": K1}, expected, torch.zeros(1, 1))], PLANE)
    assert said is not None and said.words == "it has 1 column where 3 were expected (fewer)"


@pytest.mark.parametrize(
    "actual",
    [
        torch.full((4, 4), float("nan")),
        torch.full((4, 4), 1e308, dtype=torch.float64),
        torch.zeros(0, 4),
        torch.zeros(4, 4, dtype=torch.bool),
        torch.zeros(4, 4, dtype=torch.int64),
        torch.zeros(1, 1, 1, 1, 1, 4, 4),
        "a string",
        [EXPECTED],
    ],
    ids=["nan", "huge", "empty", "bool", "int", "many axes", "str", "list"],
)
def test_no_student_value_makes_a_relation_raise(actual: object) -> None:
    describe([Case({"X": X, "K": K}, EXPECTED, actual)], PLANE)
