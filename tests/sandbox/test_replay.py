"""Checks asked ahead (`convkit.sandbox.replay`): the same verdicts as checks asked one call at a
time, whatever the process graded before, and a check that gets the replies of an earlier run is not
run again."""

from __future__ import annotations

import pickle
import random
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from convkit.batch.pool import InlineJudge
from convkit.batch.run import grade_batch
from convkit.checking import checks, compare
from convkit.checking.checks import suite
from convkit.exercises.questions import QUESTION_IDS
from convkit.results import SubmissionResult
from convkit.sandbox import replay
from convkit.sandbox.backends import choose
from convkit.settings.assignment import load
from convkit.settings.limits import GradingConfig
from convkit.settings.run import GradingRun
from tests.conftest import CORPORA, REFERENCE, expand

CONFIG = GradingConfig(jobs=1, call_timeout=5, cell_timeout=10, submission_timeout=120)

FORGETFUL = (
    """
calls = []

def corr2d(X, K):
    # one row short on its fifth and sixth calls in a worker: its answers depend on what it was """
    """asked before
    calls.append(tuple(X.shape))
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1 - (len(calls) in (5, 6)), X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y
"""
)


def grade(paths: list[Path], seed: int) -> list[SubmissionResult]:
    return grade_batch(paths, GradingRun(CONFIG, seed), choose("plain"), progress=False).results


def test_every_check_is_planned_on_the_oracle_and_planning_leaves_randomness_alone() -> None:
    replay.PLANS.clear()
    before = random.getstate(), torch.get_rng_state()
    for question in QUESTION_IDS:
        for check_ in suite(question):
            plan = replay.PLANS.planned(check_, 77)
            assert plan is not None and plan.chunks and all(plan.chunks), (question, check_.name)
    assert random.getstate() == before[0] and torch.equal(torch.get_rng_state(), before[1])


def test_a_judge_plans_every_check_while_its_sandbox_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    replay.PLANS.clear()
    made: list[tuple[str, int]] = []
    plan = replay._plan
    monkeypatch.setattr(
        replay,
        "_plan",
        lambda check_, seed, book: made.append((check_.name, seed)) or plan(check_, seed, book),
    )
    with InlineJudge(choose("plain"), GradingRun(CONFIG, 31, load())):
        assert len(made) == sum(len(suite(question)) for question in QUESTION_IDS) and {
            seed for _, seed in made
        } == {31}
    for question in QUESTION_IDS:
        for check_ in suite(question):
            replay.PLANS.planned(check_, 31)
    # none was planned twice
    assert len(made) == sum(len(suite(question)) for question in QUESTION_IDS)


def test_planned_verdicts_and_feedback_equal_those_asked_one_call_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Half the catalog's bugs (every other one, by name) and every honest style: shrinking, probes
    and named bugs all start from replies asked ahead."""
    bugs = sorted((CORPORA / "catalog").glob("*.py"))[::2]
    paths = [expand(path, tmp_path) for path in bugs + sorted((CORPORA / "honest").glob("*.py"))]
    replay.PLANS.clear()
    planned = grade(paths, seed=31)
    monkeypatch.setattr(replay.PLANS, "planned", lambda check_, seed: None)
    assert grade(paths, seed=31) == planned


def test_a_check_answered_as_before_is_not_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Passing and failing checks alike, explanations (shrunk inputs, named bugs) included."""
    ran = []
    generator = checks.generator
    monkeypatch.setattr(
        checks, "generator", lambda seed, check_: ran.append(check_.name) or generator(seed, check_)
    )
    paths = [
        REFERENCE,
        *(
            expand(CORPORA / "catalog" / name, tmp_path)
            for name in ("corr2d__flipped_kernel.py", "pool2d__window_hw_swapped.py")
        ),
    ]
    replay.PLANS.clear()
    first = grade(paths, seed=32)
    # every check ran on the reference, and again on a bug only where its replies differ from the
    # reference's
    assert (
        sum(len(suite(question)) for question in QUESTION_IDS)
        < len(ran)
        < len(paths) * sum(len(suite(q)) for q in QUESTION_IDS)
    )
    assert first[0].total == first[0].max_total and all(
        result.total < result.max_total for result in first[1:]
    )
    ran.clear()
    assert grade(paths, seed=32) == first
    assert ran == []


def test_transcripts_learned_by_one_judge_spare_another(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a local pool passes between its judge processes (`convkit.batch.pool`), here in one
    process."""
    monkeypatch.setattr(replay.PLANS, "shared", None)
    replay.PLANS.clear()
    replay.PLANS.share()
    first = grade([REFERENCE], seed=35)
    learned = replay.PLANS.learned()
    assert learned and replay.PLANS.learned() == []
    replay.PLANS.clear()  # another judge, which has graded nothing
    replay.PLANS.adopt(pickle.loads(pickle.dumps(learned)))
    ran = []
    generator = checks.generator
    monkeypatch.setattr(
        checks, "generator", lambda seed, check_: ran.append(check_.name) or generator(seed, check_)
    )
    assert grade([REFERENCE], seed=35) == first and ran == []
    assert replay.PLANS.learned() == []  # adopted transcripts are not passed on again


def test_an_exchange_sends_each_judge_what_the_others_learned_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def learned(*names: str) -> list[replay.Learned]:
        return [("corr2d", name, 1, b"", replay.Transcript((), None)) for name in names]

    exchange = replay.Exchange(["a", "b"])
    exchange.add("a", learned("a1", "a2"))
    assert exchange.take("a") == [] and exchange.take("b") == learned("a1", "a2")
    exchange.add("b", learned("b1"))
    exchange.add("a", learned("a3"))
    assert exchange.take("b") == learned("a3") and exchange.take("a") == learned("b1")
    # every judge was sent them
    assert exchange.entries == [] and exchange.take("a") == exchange.take("b") == []
    exchange.add("a", learned("a4"))
    # b is gone: a alone decides
    assert exchange.take("a", judges=["a"]) == [] and exchange.entries == []
    monkeypatch.setattr(replay, "MAX_TRANSCRIPTS", 2)
    # c: a judge met late, when it first sends what it learned
    exchange.add("c", learned("c1", "c2", "c3"))
    assert exchange.take("b") == learned("c2", "c3")  # the oldest went first
    assert exchange.take("d") == learned("c2", "c3")  # d: never sent any, so all those kept


def test_a_pool_whose_judges_pass_transcripts_on_grades_as_one_judge_does(tmp_path: Path) -> None:
    """Real judge processes: each graded submission repeats one another judge has seen, so most of
    the second half is graded on transcripts the other judge learnt."""
    catalog = (
        sorted((CORPORA / "catalog").glob("corr2d__*.py"))[:4]
        + sorted((CORPORA / "catalog").glob("pool2d__*.py"))[:2]
    )
    originals = [expand(path, tmp_path) for path in catalog] + [REFERENCE]
    copies = [tmp_path / f"again_{path.name}" for path in originals]
    for original, copy in zip(originals, copies, strict=True):
        copy.write_bytes(original.read_bytes())
    replay.PLANS.clear()
    pooled = grade_batch(
        originals + copies, GradingRun(replace(CONFIG, jobs=2), 36), choose("plain"), progress=False
    ).results
    replay.PLANS.clear()
    assert pooled == grade(originals + copies, seed=36)


def test_grades_do_not_depend_on_what_the_process_graded_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A submission whose answers depend on what it was asked before: the worker runs a check's
    whole plan, so its grade is the same in a fresh process and in one whose plans and passing
    replies are already known (but not the same as when asked one call at a time, which stops at the
    first wrong answer)."""
    forgetful = tmp_path / "forgetful.py"
    forgetful.write_text(REFERENCE.read_text() + "\n" + FORGETFUL)
    replay.PLANS.clear()
    [alone] = grade([forgetful], seed=33)
    replay.PLANS.clear()
    after_reference = grade([REFERENCE, forgetful], seed=33)
    assert after_reference[1] == alone
    corr2d = alone.questions[0]
    assert 0 < corr2d.score < corr2d.max_score
    monkeypatch.setattr(replay.PLANS, "planned", lambda check_, seed: None)
    assert grade([forgetful], seed=33)[0].questions[0] != corr2d


def test_a_transcript_is_replayed_only_where_the_time_to_explain_is_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow submission gives a fast one's replies: its explanations stop where time stops them, as
    they would in a process that never graded the fast one."""
    monkeypatch.setattr(compare, "SHRINK_SECONDS", 0.5)
    fast = expand(CORPORA / "catalog" / "corr2d__flipped_kernel.py", tmp_path)
    slow = tmp_path / "slow.py"
    slow.write_text(
        fast.read_text().replace(
            "def corr2d(X, K):\n", "def corr2d(X, K):\n    __import__('time').sleep(0.2)\n"
        )
    )
    assert "sleep" in slow.read_text()
    replay.PLANS.clear()
    [alone] = grade([slow], seed=34)
    replay.PLANS.clear()
    after_fast = grade([fast, slow], seed=34)
    assert after_fast[1].questions[0] == alone.questions[0]
    # the fast one's explanations went further
    assert after_fast[0].questions[0] != alone.questions[0]


def test_a_digest_covers_every_byte_but_the_sequence_number_and_refuses_another_layout() -> None:
    def digest(*frames: tuple[int, bytes]) -> bytes | None:
        made = replay.Digest()
        for seq, body in frames:
            made.add(seq, body)
        return made.value()

    ok = b'{"status":"ok","value":1'
    assert digest((4, ok + b',"seq":4}')) == digest((9, ok + b',"seq":9}')) is not None
    assert digest((4, ok + b',"seq":4}')) != digest((4, b'{"status":"ok","value":2,"seq":4}'))
    assert digest((4, ok + b',"seq":4}'), (5, b'{"seq":5,"status":"ok"}')) is None
    assert digest((1, b'{"a":"b","seq":1}'), (2, b'{"c":1,"seq":2}')) != digest(
        (1, b'{"a":"b","c":1,"seq":1}')
    )
