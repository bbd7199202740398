"""Comparisons, bug signatures, probes and shrinking: each failure has a reason to group by, a
one-line detail, the named bug on proof (or what the output shows), and the smallest failing input
the judge could find."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from convkit.checking.bugs import ONE_CHANNEL, Bug, explained, named, raised
from convkit.checking.compare import (
    Function,
    compare,
    evidence,
    expect_call,
    expect_dtype,
    expected_answer,
    shape_hint,
    smaller,
)
from convkit.errors import CheckFailed, StudentRaised
from convkit.exercises import oracle
from convkit.grading.inprocess import InProcessStudent
from convkit.worker.codec import Foreign
from tests.conftest import REFERENCE

EXPECTED = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
FLIPPED = Bug(
    "the kernel is flipped", "use K as it is", lambda X, K: oracle.corr2d(X, K.flip(0, 1))
)
CORR2D = Function("corr2d", ("X", "K"), oracle.corr2d, bugs=(FLIPPED,))


def test_a_correct_tensor_passes_within_tolerance() -> None:
    assert compare(EXPECTED + 1e-6, EXPECTED) is None


@pytest.mark.parametrize(
    ("value", "reason", "detail"),
    [
        (Foreign("builtins.object"), "not a tensor", "got an object of type “builtins.object”"),
        (
            Foreign("tensor of dtype torch.complex64 and shape (2, 3)", tensor=True),
            "not a tensor",
            "got a tensor that cannot be checked, “tensor of dtype torch.complex64",
        ),
        ([[1.0]], "not a tensor", "got list [[1]]"),
        (EXPECTED.long(), "not a floating-point tensor", "got dtype int64"),
        (
            EXPECTED[:1],
            "wrong shape",
            "expected shape (2, 3), got (1, 3): the output is one row short",
        ),
        (EXPECTED + 1, "wrong values", "max error 1 (a correct answer is off by at most 0.0007)"),
    ],
)
def test_each_kind_of_wrong_answer_has_its_reason(value: object, reason: str, detail: str) -> None:
    mismatch = compare(value, EXPECTED)
    assert mismatch is not None and mismatch.reason == reason and detail in mismatch.detail


def test_a_first_wrong_entry_that_reads_as_expected_says_how_far_off_it_is() -> None:
    """Four significant digits can show 1 for both 1 and 1.0003: the line then says by how much it
    is off."""
    from convkit.checking.values import plain
    from convkit.output.feedback import shown_lines
    from convkit.results import Shown

    expected = torch.tensor([[1.0, 0.5]])  # a correct answer is off by at most 0.0002 here

    def last_line(first: float) -> str:
        value = expected.clone()
        value[0, 0] = first
        mismatch = compare(value, expected)
        assert mismatch is not None and mismatch.first_wrong is not None
        shown = Shown(
            call="corr2d(X, K)",
            inputs=(),
            expected=plain(expected),
            actual=plain(value),
            first_wrong=mismatch.first_wrong,
        )
        return shown_lines(shown)[-1]

    assert last_line(1.003) == "first wrong at [0, 0]: expected 1, got 1.003"
    assert last_line(1.0003) == "first wrong at [0, 0]: expected 1, got 1 (off by 0.0003)"


def test_the_kind_of_value_can_name_the_bug_itself() -> None:
    assert "torch.stack" in str(compare([EXPECTED, EXPECTED], EXPECTED).bug)  # type: ignore[union-attr]
    assert "integer dtype" in str(compare(EXPECTED.long(), EXPECTED).bug)  # type: ignore[union-attr]
    assert compare(EXPECTED + 1, EXPECTED).first_wrong == ((0, 0), 1.0, 2.0)  # type: ignore[union-attr]


def test_signatures_name_the_first_matching_bug_and_nothing_else() -> None:
    """What used to be generic bugs (transposed, rows never computed, cut short) are effects now: no
    signature."""
    X, K = torch.rand(4, 5), torch.rand(2, 3)
    inputs = {"X": X, "K": K}
    expected = oracle.corr2d(X, K)
    assert named(oracle.corr2d(X, K.flip(0, 1)), expected, (FLIPPED,), inputs) is FLIPPED
    assert named(expected[:1], expected, (FLIPPED,), inputs) is None
    assert named(expected + 1, expected, (FLIPPED,), inputs) is None


def test_a_bug_that_cannot_happen_on_this_input_is_skipped() -> None:
    def impossible(X: torch.Tensor, K: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("shape mismatch")

    doubled = Bug("doubled", "halve it", lambda X, K: 2 * oracle.corr2d(X, K))
    X, K = torch.rand(3, 3), torch.rand(2, 2)
    assert (
        named(
            2 * oracle.corr2d(X, K),
            oracle.corr2d(X, K),
            (Bug("no", "no", impossible), doubled),
            {"X": X, "K": K},
        )
        is doubled
    )


def failure(kinds: tuple[tuple[str, str], ...], message: str) -> StudentRaised:
    return StudentRaised(f"{kinds[0][1]}: {message}", kinds=kinds, message=message)


RUNTIME = (
    ("builtins", "RuntimeError"),
    ("builtins", "Exception"),
    ("builtins", "BaseException"),
    ("builtins", "object"),
)
VALUE = (
    ("builtins", "ValueError"),
    ("builtins", "Exception"),
    ("builtins", "BaseException"),
    ("builtins", "object"),
)


def test_exception_signatures_match_the_message_and_the_class() -> None:
    cat = Bug(
        "torch.cat needs a dimension",
        "use torch.stack",
        raised=r"zero-dimensional tensor .* cannot be concatenated",
    )
    refused = Bug(
        "a valid mode is refused", "test `mode not in ('max', 'avg')`", raises="ValueError"
    )
    bugs = (cat, refused)
    assert (
        raised(
            failure(RUNTIME, "zero-dimensional tensor (at position 0) cannot be concatenated"), bugs
        )
        is cat
    )
    assert raised(failure(RUNTIME[:1] + RUNTIME, "'x'"), bugs) is None
    assert raised(failure((("submission", "ModeError"), *VALUE), "bad mode 'max'"), bugs) is refused
    assert (
        raised(failure((("submission", "ValueError"), *VALUE[1:]), "bad mode 'max'"), bugs) is None
    ), "a look-alike"
    with pytest.raises(ValueError, match="is not one of Python's exception classes"):
        Bug("misspelt", "spell it", raises="ValueErorr")
    told = explained(failure(VALUE, "x"), bugs, "pool2d(X)")
    assert told.bug == str(refused) and told.detail == "pool2d(X): your code raised “ValueError: x”"
    assert told.kinds == VALUE and told.reason == "raised ValueError"


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


def student(tmp_path: Path, corr2d: str) -> InProcessStudent:
    path = tmp_path / "submission.py"
    path.write_text(REFERENCE.read_text() + "\n" + corr2d)
    return InProcessStudent(path)


def test_a_failure_is_shrunk_to_the_smallest_input_failing_the_same_way(tmp_path: Path) -> None:
    flipped = student(
        tmp_path,
        "_reference_corr2d = corr2d\ndef corr2d(X, K):\n"
        "    return _reference_corr2d(X, K.flip(0, 1))",
    )
    with pytest.raises(CheckFailed) as failed:
        expect_call(flipped, CORR2D, X=torch.rand(5, 7) * 2 - 1, K=torch.rand(3, 2) * 2 - 1)
    shown = failed.value.shown
    assert failed.value.bug == str(FLIPPED) and failed.value.reason == "wrong values"
    assert shown is not None and shown.shrunk and shown.call == "corr2d(X, K)"
    sizes = {name: value.shape for name, value in shown.inputs}
    assert sizes["K"] in ((1, 2), (2, 1)) and sizes["X"] == sizes["K"], sizes
    assert all(
        abs(x) == int(abs(x)) and abs(x) <= 3
        for _, value in shown.inputs
        for row in value.entries
        for x in row
    )
    assert shown.first_wrong is not None


def test_shrinking_cuts_big_first_and_never_repeats_a_call(tmp_path: Path) -> None:
    """Code wrong on every input shrinks to one entry per dimension at once; no input is sent twice,
    and inputs the oracle rejects (a kernel larger than X) cost no call."""
    always_wrong = student(
        tmp_path,
        "_reference_corr2d = corr2d\ndef corr2d(X, K):\n    return _reference_corr2d(X, K) + 1",
    )
    sent: list[tuple[object, ...]] = []
    asked = always_wrong.request

    def request(message: dict) -> object:
        if message["op"] == "call":
            sent.append(tuple(str(arg) for arg in message["args"]))
        return asked(message)

    always_wrong.request = request  # type: ignore[method-assign]
    with pytest.raises(CheckFailed) as failed:
        expect_call(always_wrong, CORR2D, X=torch.rand(6, 7) * 2 - 1, K=torch.rand(3, 4) * 2 - 1)
    shown = failed.value.shown
    assert shown is not None and [(name, value.shape) for name, value in shown.inputs] == [
        ("X", (1, 1)),
        ("K", (1, 1)),
    ]
    assert len(sent) == len(set(sent)) <= 12, len(sent)


def test_inputs_with_an_empty_dimension_are_shrunk_without_error() -> None:
    """A dimension of length 0 or 1 cannot be cut: it is left as it is, and the others are still
    cut."""
    candidates = list(
        smaller(
            {"X": torch.zeros(0, 3), "K": torch.ones(1, 2)}, {"X": ("h", "w"), "K": ("kh", "kw")}
        )
    )
    shapes = {(tuple(case["X"].shape), tuple(case["K"].shape)) for case in candidates}
    # the last: values
    assert shapes == {((0, 1), (1, 2)), ((0, 2), (1, 2)), ((0, 3), (1, 1)), ((0, 3), (1, 2))}, (
        shapes
    )


def test_functions_sharing_an_oracle_do_not_share_answers() -> None:
    """The oracle's answers are cached by the call as the function makes it: parameters and keywords
    included."""

    def pad(X: torch.Tensor, padding: int = 0) -> torch.Tensor:
        return torch.nn.functional.pad(X, (padding,) * 4)

    inputs = {"X": torch.ones(1, 1), "padding": 1}
    plain = Function("f", ("X",), pad)
    padded = Function("g", ("X",), pad, keywords=("padding",))
    assert expected_answer(plain, inputs).shape == (1, 1)
    assert expected_answer(padded, inputs).shape == (3, 3)


def test_square_only_code_is_told_the_sizes_it_gave(tmp_path: Path) -> None:
    """Code that uses X's height for its width too: the sizes of the output it gave, never a guessed
    cause."""
    square_only = student(
        tmp_path,
        "def corr2d(X, K):\n"
        "    h, w = K.shape\n"
        "    n = X.shape[0]\n"
        "    Y = torch.zeros((n - h + 1, n - w + 1))\n"
        "    for i in range(Y.shape[0]):\n"
        "        for j in range(Y.shape[1]):\n"
        "            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()\n"
        "    return Y",
    )
    with pytest.raises(CheckFailed) as failed:
        expect_call(square_only, CORR2D, X=torch.rand(4, 6), K=torch.rand(2, 2))
    assert failed.value.bug is None and "column where 2 were expected" in str(
        failed.value.effect
    ), failed.value.effect


def test_a_bug_contradicted_by_a_right_answer_of_the_check_is_not_named(tmp_path: Path) -> None:
    """FLIPPED matches the failing call, but the check saw the code answer right where a flipped
    kernel would have been wrong: it is not the cause, and the feedback says what the output shows
    instead."""
    odd = student(
        tmp_path,
        "_c = corr2d\ndef corr2d(X, K):\n    return _c(X, K.flip(0, 1)) if X.shape[0] == 3 else "
        "_c(X, K)",
    )
    X, K = torch.rand(4, 4), torch.rand(2, 2)
    with evidence():
        expect_call(odd, CORR2D, X=X, K=K)  # right: a flipped kernel would have been wrong here
        with pytest.raises(CheckFailed) as failed:
            expect_call(odd, CORR2D, X=torch.rand(3, 3), K=torch.rand(2, 2))
    assert failed.value.bug is None


def test_a_float_kernel_cut_to_integers_is_told_so(tmp_path: Path) -> None:
    cast = student(tmp_path, "_c = corr2d\ndef corr2d(X, K):\n    return _c(X, K.to(X.dtype))")
    with pytest.raises(CheckFailed) as failed:
        expect_call(cast, CORR2D, X=torch.randint(-5, 6, (4, 5)), K=torch.rand(2, 3) * 3)
    assert (
        failed.value.effect
        == "every entry is what the right answer would be with K's values truncated to whole "
        "numbers"
    )


def test_a_result_of_another_dtype_fails_expect_dtype(tmp_path: Path) -> None:
    doubled = student(tmp_path, "_c = corr2d\ndef corr2d(X, K):\n    return _c(X, K).double()")
    expect_call(doubled, CORR2D, X=torch.rand(3, 4), K=torch.rand(2, 2))  # the values are right
    with pytest.raises(
        CheckFailed,
        match="the result has dtype float64; with X float32, K float32 it must be float32",
    ):
        expect_dtype(doubled, CORR2D, X=torch.rand(3, 4), K=torch.rand(2, 2))


def test_a_probe_changes_one_thing_and_says_what_it_saw(tmp_path: Path) -> None:
    first_only = student(
        tmp_path, "def corr2d_multi_in(X, K):\n    return sum(corr2d(x, K[0]) for x in X)"
    )
    function = Function(
        "corr2d_multi_in", ("X", "K"), oracle.corr2d_multi_in, probes=(ONE_CHANNEL,)
    )
    with pytest.raises(CheckFailed) as failed:
        expect_call(first_only, function, X=torch.rand(3, 4, 5), K=torch.rand(3, 2, 2))
    assert failed.value.bug is None
    assert failed.value.effect in (
        "it is right once the inputs are cut to one channel, and is wrong as given",
        None,
    ) or "channel" in str(failed.value.effect)


def test_an_error_in_the_graders_code_for_an_earlier_question_is_told_as_the_call_that_caused_it(
    tmp_path: Path,
) -> None:
    """corr2d_multi_in_out passing corr2d_multi_in a kernel read as (c_i, c_o, h, w): the student's
    call, never torch's words alone from code the student did not write."""
    mixed = student(
        tmp_path,
        "def corr2d_multi_in_out(X, K):\n    return torch.stack([corr2d_multi_in(X, K[:, o]) for "
        "o in range(K.shape[1])])",
    )
    mixed.substitute(("corr2d", "corr2d_multi_in"))
    function = Function("corr2d_multi_in_out", ("X", "K"), oracle.corr2d_multi_in_out)
    with pytest.raises(StudentRaised) as failed:
        expect_call(mixed, function, X=torch.rand(2, 3, 3), K=torch.rand(3, 2, 2, 2))
    assert failed.value.effect == (
        "your corr2d_multi_in_out called the grader's corr2d_multi_in (the correct one, for an "
        "earlier question) with X of shape "
        "(2, 3, 3) and K of shape (3, 2, 2): K has 3 channels where X has 2 (c: they must agree)"
    )


def test_an_empty_result_is_shown_as_empty() -> None:
    from convkit.checking.values import plain
    from convkit.output.feedback import grid

    assert grid(plain(torch.zeros(0, 1))) == ["an empty tensor of shape (0, 1)"]


def test_modified_inputs_are_named(tmp_path: Path) -> None:
    inplace = student(
        tmp_path,
        "_correct = corr2d\n"
        "def corr2d(X, K):\n"
        "    K.mul_(1)\n"
        "    X += 0\n"
        "    return _correct(X, K)\n"
        "def corr2d(X, K, _c=_correct):\n"
        "    out = _c(X, K)\n"
        "    X.zero_()\n"
        "    return out",
    )
    with pytest.raises(CheckFailed) as failed:
        expect_call(inplace, CORR2D, X=torch.rand(3, 3) + 1, K=torch.rand(2, 2))
    assert failed.value.reason == "modified its input" and "X.clone()" in str(failed.value.bug)
