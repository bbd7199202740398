"""The hidden suites against realistic submissions: a catalog of single-bug files and honest files
in many styles.

* `tests/corpora/catalog/<question>__<bug>.py`: a complete submission, correct except for one bug in
  <question> (described in its first line). It must lose points on that question and on no other
  one: grading substitutes correct versions of earlier questions, so one bug costs points once.
* `tests/corpora/catalog2/<question>__<bug>.py`: a second catalog in the same form, written for
  feedback without looking at the checks (a held-out measure of how often the judge names a bug it
  was not written against).
* `tests/corpora/catalog3/<question>__<bug>.py`: a third, written from the stubs, the book and the
  reference alone, by someone who had read neither the checks nor the first two catalogs: less
  common bugs, which feedback must describe (a bug on proof, else what the output shows) without
  ever naming a wrong cause.
* `tests/corpora/honest/*`: correct submissions in the learners' own styles (book loops, unfold,
  einsum, F.conv2d, torch.optim, a notebook with magics, shell lines and plots). They must get full
  marks.

They are graded with the assignment's own choices: the from-scratch policy, in mode "feedback",
must name the library calls that `SCRATCH` lists, and find nothing in any other answer.

Everything is graded in one `grade_batch` call (one sandbox start-up) by a module-scoped fixture.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from convkit.batch.run import grade_batch
from convkit.exercises.questions import QUESTION_IDS
from convkit.output.feedback import check_lines
from convkit.results import SubmissionResult
from convkit.sandbox.backends import choose
from convkit.settings.limits import GradingConfig
from convkit.settings.run import GradingRun
from tests.conftest import CORPORA, expand, unreadable

pytestmark = pytest.mark.xdist_group("catalog")  # one module-scoped fixture for all its tests


CATALOG = sorted((CORPORA / "catalog").glob("*.py"))
CATALOG2 = sorted((CORPORA / "catalog2").glob("*.py"))
CATALOG3 = sorted((CORPORA / "catalog3").glob("*.py"))
UNCATCHABLE = {
    "conv1x1__view_needs_contiguous": "it fails only on a non-contiguous input, and a worker's "
    "inputs arrive contiguous",
}
"""Catalog bugs no check can see, and why."""
HONEST = sorted(p for p in (CORPORA / "honest").iterdir() if p.suffix in (".py", ".ipynb"))
SEED = int(os.environ.get("CONVKIT_TEST_SEED", "123"))
CONFIG = GradingConfig(jobs=2, call_timeout=5, cell_timeout=10, submission_timeout=120)

# Substrings a failure message must contain, so the student reads the bug in words.
NAMED_BUGS = {
    "corr2d__flipped_kernel": "flipped",
    "corr2d__off_by_one_shape": "one row short and one column short",
    "corr2d__int_dtype_result": "floating-point",
    "corr2d__item_breaks_autograd": "autograd",
    "conv2d_layer__bias_not_added": "the bias is not added",
    "conv2d_layer__bias_not_parameter": "exactly two trainable parameters",
    "conv2d_layer__weight_data_in_forward": "no gradient reached weight",
    "learn_kernel__mean_loss": "mean squared error",
    "learn_kernel__mse_loss_module": "mean squared error",
    "learn_kernel__no_zero_grad": "never zeroed",
    "learn_kernel__gradient_ascent": "gradient ascent",
    "learn_kernel__lr_hardcoded": "lr argument is ignored",
    "learn_kernel__epochs_hardcoded": "one loss per epoch",
    "learn_kernel__loss_after_update": "one step apart",
    "output_shape__missing_plus_one": "+ 1",
    "output_shape__book_total_padding": "counted once",
    "output_shape__ceil_division": "floor division",
    "output_shape__round_division": "rounded to the nearest integer",
    "output_shape__pad_after_stride": "padding is added after dividing by the stride",
    "pad_stride__pad_output": "around the output, after the stride",
    "output_shape__hw_swapped": "swapped",
    "output_shape__stride_ignored": "stride is ignored",
    "output_shape__float_division": "floor division //",
    "output_shape__numpy_ints": "int(...) converts numpy or torch numbers",
    "pad_stride__pad_one_side": "top and left",
    "pad_stride__padding_ignored": "padding is ignored",
    "pad_stride__stride_hw_swapped": "stride's height and width are swapped",
    "multi_in__averaged": "averaged",
    "multi_in_out__first_kernel_only": "only the first kernel",
    "multi_in_out__stack_last_axis": "wrong order",
    "multi_in_out__unsqueeze_inplace": "modified in place",
    "conv1x1__reshape_hw_swapped": "wrong order",
    "conv1x1__averaged": "averaged",
    "pool2d__modes_swapped": "swapped",
    "pool2d__sum_not_mean": "summed, not averaged",
    "pool2d__window_hw_swapped": "height and width are swapped",
    "pool2d__no_value_error": "instead of raising ValueError",
    "pool2d__dict_keyerror": "KeyError",
    "pool2d__mode_check_always_true": "a valid mode is refused",
}


SCRATCH = {
    "honest/fconv2d_optim_sgd.py": ["corr2d", "multi_in", "multi_in_out", "pool2d"],
    "honest/stack_comprehension.py": ["pool2d"],
    "catalog/multi_in_out__unsqueeze_inplace.py": ["multi_in_out"],
    "catalog2/pool2d__default_stride_nonoverlap.py": ["pool2d"],
    "catalog3/multi_in__batched_cross_terms.py": ["multi_in"],
}
"""The answers of these files that call the library routines convkit.toml forbids them."""
Graded = dict[str, SubmissionResult]


def key(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SubmissionResult]:
    """Every submission by `folder/file name`."""
    sources = [*CATALOG, *CATALOG2, *CATALOG3, *HONEST]
    paths = [
        expand(path, tmp_path_factory.mktemp(path.parent.name, numbered=True)) for path in sources
    ]
    batch = grade_batch(paths, GradingRun(CONFIG, SEED), choose("plain"), progress=False)
    return {key(source): result for source, result in zip(sources, batch.results, strict=True)}


def _failures(result: SubmissionResult, question: str | None = None) -> list[str]:
    return [
        line
        for line in check_lines(result)
        if question is None or line.startswith(f"[{question} /")
    ]


def _target(path: Path) -> str:
    return path.stem.split("__", 1)[0]


def test_catalog_is_complete() -> None:
    assert len(CATALOG) >= 35, f"only {len(CATALOG)} catalog files"
    per_question = Counter(_target(p) for p in CATALOG)
    assert set(per_question) <= set(QUESTION_IDS), (
        f"unknown question prefixes: {set(per_question) - set(QUESTION_IDS)}"
    )
    thin = {q: per_question.get(q, 0) for q in QUESTION_IDS if per_question.get(q, 0) < 3}
    assert not thin, f"questions with fewer than 3 catalogued bugs: {thin}"
    for path in CATALOG:
        first = path.read_text().splitlines()[0]
        assert first.startswith("# ") and len(first) > 10, (
            f"{path.name} should start with a one-line comment describing its bug"
        )
    assert len(HONEST) >= 8, f"only {len(HONEST)} honest submissions"
    assert set(NAMED_BUGS) <= {p.stem for p in CATALOG}, (
        f"NAMED_BUGS names missing files: {set(NAMED_BUGS) - {p.stem for p in CATALOG}}"
    )


@pytest.mark.parametrize("path", [*CATALOG, *CATALOG2, *CATALOG3], ids=key)
def test_catalog_bug_loses_points_on_its_question_only(
    graded: dict[str, SubmissionResult], path: Path
) -> None:
    result = graded[key(path)]
    target = _target(path)
    by_id = {q.question: q for q in result.questions}
    assert path.stem in UNCATCHABLE or by_id[target].score < by_id[target].max_score, (
        f"{path.name}: the bug ({path.read_text().splitlines()[0][2:]}) was not caught: "
        f"{target} scored {by_id[target].score}/{by_id[target].max_score}; notes: {result.notes}"
    )
    collateral = {
        q.question: f"{q.score}/{q.max_score}"
        for q in result.questions
        if q.question != target and q.score < q.max_score
    }
    assert not collateral, (
        f"{path.name}: a bug in {target} also cost points on {collateral}:\n"
        + "\n".join(_failures(result))
    )


@pytest.mark.parametrize("path", HONEST, ids=lambda p: p.name)
def test_honest_submission_gets_full_marks(graded: dict[str, SubmissionResult], path: Path) -> None:
    result = graded[key(path)]
    lost = {
        q.question: f"{q.score}/{q.max_score}" for q in result.questions if q.score < q.max_score
    }
    assert not lost, f"{path.name} is correct but lost points on {lost}:\n" + "\n".join(
        _failures(result)
    )


@pytest.mark.parametrize("stem", sorted(NAMED_BUGS))
def test_failure_names_the_bug(graded: dict[str, SubmissionResult], stem: str) -> None:
    failures = _failures(graded[f"catalog/{stem}.py"], stem.split("__", 1)[0])
    wanted = NAMED_BUGS[stem]
    assert any(wanted in failure for failure in failures), (
        f"no failure of {stem} says {wanted!r}:\n" + "\n".join(failures)
    )


def test_no_failure_leaks_grader_internals(graded: dict[str, SubmissionResult]) -> None:
    leaks = [
        f"{name}: {failure}"
        for name, result in graded.items()
        for failure in _failures(result)
        if "internal grader error" in failure or "Traceback" in failure
    ]
    assert not leaks, "\n".join(leaks)


def described(result: SubmissionResult, question: str) -> bool:
    """Whether the question's feedback says what is wrong in words: a bug (named on proof) or what
    its output shows, in some failed check."""
    return any(
        check.failure and (check.failure.bug or check.failure.effect)
        for q in result.questions
        if q.question == question
        for check in q.checks
    )


@pytest.mark.parametrize(
    ("catalog", "rate"),
    [(CATALOG, 1.0), (CATALOG2, 0.8), (CATALOG3, 0.8)],
    ids=["catalog", "catalog2", "catalog3"],
)
def test_bugs_are_caught_and_described(
    graded: dict[str, SubmissionResult],
    catalog: list[Path],
    rate: float,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every bug of the kit's own catalog is described in words (named, or what its output shows);
    at least 80% of those caught of the second and third, written apart from the checks."""
    targets = {
        path: next(q for q in graded[key(path)].questions if q.question == _target(path))
        for path in catalog
    }
    caught = [path for path, question in targets.items() if question.score < question.max_score]
    told = [p for p in caught if described(graded[key(p)], _target(p))]
    folder = catalog[0].parent.name
    with capsys.disabled():
        print(
            f"\n{folder}: caught {len(caught)}/{len(catalog)}, described {len(told)}/{len(caught)}"
        )
    missed = sorted({p.stem for p in catalog} - {p.stem for p in caught} - set(UNCATCHABLE))
    assert not missed, f"missed: {missed}"
    assert len(told) / len(caught) >= rate, (
        f"described {len(told)}/{len(caught)}; not: "
        f"{sorted(p.stem for p in set(caught) - set(told))}"
    )


HEADLINES: dict[str, str | list[str] | None] = json.loads(
    (CORPORA / "catalog_headlines.json").read_text()
)
"""For every catalog file, what a bug named on its question may say (a distinctive part of its
words, or one of several where two checks each prove a cause of their own), or null: no bug may be
named, only effects. Written by reading each file's bug against the feedback, apart from the
checks."""


@pytest.mark.parametrize("path", [*CATALOG, *CATALOG2, *CATALOG3], ids=key)
def test_no_headline_names_a_bug_other_than_the_files_own(
    graded: dict[str, SubmissionResult], path: Path
) -> None:
    """Every bug named on the file's question is the file's own; where none may be, effects only."""
    allowed = HEADLINES[key(path)]
    words = [allowed] if isinstance(allowed, str) else allowed or []
    named = {
        check.failure.bug
        for q in graded[key(path)].questions
        if q.question == _target(path)
        for check in q.checks
        if check.failure and check.failure.bug
    }
    wrong = [bug for bug in named if not any(word in bug for word in words)]
    assert not wrong, (
        f"{path.name} ({path.read_text().splitlines()[0][2:]}) is told a cause that is not its "
        f"bug: {wrong}"
    )


def test_the_policy_finds_the_library_calls_and_nothing_else(graded: Graded) -> None:
    wrong = {}
    for name, result in graded.items():
        said = [question.question for question in result.questions if question.scratch]
        if said != SCRATCH.get(name, []) or any(question.unsure for question in result.questions):
            wrong[name] = [question.scratch for question in result.questions if question.scratch]
    assert not wrong, f"the from-scratch policy's findings, where SCRATCH lists others: {wrong}"


def test_feedback_is_readable(graded: dict[str, SubmissionResult]) -> None:
    """No feedback line over 200 characters, and no number with more than four significant
    digits."""
    problems = [
        f"{name}: {problem}" for name, result in graded.items() for problem in unreadable(result)
    ]
    assert not problems, "\n".join(problems[:10])
