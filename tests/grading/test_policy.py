"""The from-scratch policy: what an answer's calls ran (the worker's watch on torch's operators)
and what its code names (a parse that resolves names to what they denote), configured in one
validated file, reported in feedback, costing points only in mode "zero" and for sure findings."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
import torch

from convkit.batch.run import grade_batch
from convkit.checking.student import reached, substitution
from convkit.errors import ConfigError
from convkit.grading.names import Statement
from convkit.grading.policy import REACHES, Finding, findings, watched
from convkit.grading.submissions import parse
from convkit.output.feedback import question_markdown
from convkit.results import SubmissionResult
from convkit.sandbox.backends import choose
from convkit.settings.assignment import AssignmentConfig, FromScratch, load
from convkit.settings.limits import GradingConfig
from convkit.settings.run import GradingRun
from convkit.worker import probes
from convkit.worker.codec import encode
from convkit.worker.protocol import REACHED_MAX
from tests.conftest import CORPORA, REFERENCE, expand

ATTACKS = CORPORA / "attacks"
EXPECTED: dict[str, dict[str, Any]] = json.loads((ATTACKS / "expected.json").read_text())
FORBID = {"corr2d": ("conv2d", "Conv2d", "correlate2d"), "pool2d": ("max_pool2d",)}
ASK = "this exercise asks you to write it from scratch"
TABLE = sorted({operator for operators in REACHES.values() for operator in operators})
Namespace = dict[str, Any]


def found(*cells: str, ran: dict[str, set[str]] | None = None) -> dict[str, str]:
    """By question: the policy's finding on a notebook of these code cells (numbered from 1),
    prefixed "sure: " or "unsure: "; `ran`: the operators each question's calls reached."""
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    definitions = parse("nb.ipynb", nbformat.writes(book).encode()).definitions
    return told(findings(definitions, FORBID, ran or {}))


def told(said: dict[str, Finding]) -> dict[str, str]:
    """The findings in words, each prefixed "sure: " or "unsure: ", without the request to write it
    from scratch."""
    assert all(f.text.endswith(ASK) for f in said.values())
    sure = {question: "sure: " if f.sure else "unsure: " for question, f in said.items()}
    return {question: sure[question] + f.text[: -len(ASK) - 2] for question, f in said.items()}


F = "import torch.nn.functional as F\n"
# fmt: off
RESOLVED = {
    F + "def corr2d(X, K):\n    return F.conv2d(X[None, None], K[None, None])[0, 0]":
        "`corr2d` calls `F.conv2d` (cell 1, line 3)",
    "import torch\ncorr2d = lambda X, K: torch.nn.functional.conv2d(X, K)":
        "`corr2d` calls `torch.nn.functional.conv2d` (cell 1, line 2)",
    "import torch\ndef corr2d(X, K):\n    return getattr(torch.nn.functional, 'conv2d')(X, K)":
        "`corr2d` calls `getattr(torch.nn.functional, 'conv2d')`, that is"
        " `torch.nn.functional.conv2d` (cell 1, line 3)",
    "import torch\nf = torch.nn.functional.max_pool2d\ndef pool2d(X, p, mode='max'):\n"
    "    return f(X)":
        "`pool2d` calls `f`, that is `torch.nn.functional.max_pool2d` (cell 1, line 4)",
    "import scipy.signal\ndef corr2d(X, K):\n    return scipy.signal.correlate2d(X, K)":
        "`corr2d` calls `scipy.signal.correlate2d`",
    "from scipy import signal as s\ndef corr2d(X, K):\n    return s.correlate2d(X, K)":
        "`corr2d` calls `s.correlate2d`",
    "from scipy.signal import correlate2d as corr2d":
        "`corr2d` calls `correlate2d` (cell 1, line 1)",
    # a closure a factory returns, a callable instance's class, a dict of functions
    F + "def make():\n    def f(X, K):\n        return F.conv2d(X, K)\n    return f\n"
    "corr2d = make()":
        "`corr2d` calls `F.conv2d` (cell 1, line 4)",
    "from torch import nn\nclass C:\n    def __init__(self):\n        self.c = nn.Conv2d(1, 1, 2)\n"
    "corr2d = C()":
        "`corr2d` calls `nn.Conv2d` (cell 1, line 4)",
    F + "OPS = {'c': F.conv2d}\ndef corr2d(X, K):\n    return OPS['c'](X, K)":
        "`corr2d` calls `F.conv2d` (cell 1, line 2)",
    F + "def corr2d(X, K):\n    return vars(F)['conv2d'](X, K)":
        "`corr2d` calls `vars(F)['conv2d']`, that is",
    "import importlib\ndef corr2d(X, K):\n    m = importlib.import_module('torch.nn.functional')\n"
    "    return m.conv2d(X, K)":
        "`corr2d` calls `m.conv2d` (cell 1, line 4)",
    "import sys\ndef corr2d(X, K):\n    return sys.modules['torch.nn.functional'].conv2d(X, K)":
        "`corr2d` calls `sys.modules['torch.nn.functional'].conv2d` (cell 1, line 3)",
}
# fmt: on


@pytest.mark.parametrize("source", RESOLVED)
def test_library_calls_are_resolved_through_imports_aliases_and_objects(source: str) -> None:
    [finding] = found(source).values()
    assert finding.startswith(f"sure: {RESOLVED[source]}")


def test_an_answer_is_read_through_the_helpers_it_calls() -> None:
    alias = "from torch.nn.functional import conv2d as c"
    answer = "def corr2d(X, K):\n    return h(X, K)"
    helper = found(alias, "def h(X, K):\n    return c(X, K)", answer)
    said = "sure: `corr2d` calls `c`, that is `torch.nn.functional.conv2d` (cell 2, line 2)"
    assert helper == {"corr2d": said}


OWN = """
import torch
class Pools:
    def max_pool2d(self, X, p):
        return X
def correlate2d(X, K):
    return X
def corr2d(X, K, conv2d=None):
    Conv2d = correlate2d
    return Conv2d(X, K)
def pool2d(X, pool_size, mode='max'):
    return Pools().max_pool2d(X, pool_size)
"""


def test_the_students_own_definitions_are_never_forbidden_whatever_their_names() -> None:
    assert found(REFERENCE.read_text()) == {}
    assert found((CORPORA / "honest" / "own_helpers_named_like_library.py").read_text()) == {}
    assert found(OWN) == {}
    # corr2d_multi_in may call the student's own corr2d: only corr2d is blamed for what corr2d does.
    cells = (
        F + "def corr2d(X, K):\n    return F.conv2d(X, K)",
        "def pool2d(X, p, mode='max'):\n    return corr2d(X, X)",
    )
    assert found(*cells) == {"corr2d": "sure: `corr2d` calls `F.conv2d` (cell 1, line 3)"}
    broken = F + "def corr2d(X, K):\n    return F.conv2d(X, K)\nx = ("
    assert found("x = 1", broken) == {}  # a cell that does not parse runs none of its code


def test_findings_name_the_line_of_a_python_file_and_of_a_notebook_cell() -> None:
    header = F + "\nx = 1\n\n"
    helper = "def helper(X, K):\n    y = 2\n    return F.conv2d(X, K)\n\n\n"
    answer = "def corr2d(X, K):\n    return helper(X, K)\n"
    definitions = parse("sub.py", (header + helper + answer).encode()).definitions
    said = "sure: `corr2d` calls `F.conv2d` (line 7)"
    assert told(findings(definitions, FORBID, {})) == {"corr2d": said}
    assert found(header, "x = 2\n" + helper + answer) == {
        "corr2d": said.replace("line 7", "cell 2, line 4")
    }


def test_a_name_means_what_the_statements_that_bind_it_leave_it() -> None:
    """A statement that binds a name replaces what bound it before, as running it does; one in a
    block adds to it; each of the statements that share a line is read alone."""
    own = "def correlate2d(X, K):\n    return X"
    imported = "from scipy.signal import correlate2d"
    answer = "def corr2d(X, K):\n    return correlate2d(X, K)"
    assert found(imported, own, answer) == {}
    assert found(own, imported, answer) == {
        "corr2d": "sure: `corr2d` calls `correlate2d` (cell 3, line 2)"
    }
    maybe = "try:\n    from scipy.signal import correlate2d\nexcept ImportError:\n    pass"
    assert found(own, maybe, answer) == found(own, imported, answer)  # the cautious reading
    shared = (
        "x = (\n  1); from torch.nn.functional import conv2d as c; y = 2\n"
        "def corr2d(X, K):\n    return c(X, K)"
    )
    said = "sure: `corr2d` calls `c`, that is `torch.nn.functional.conv2d` (cell 1, line 4)"
    assert found(shared) == {"corr2d": said}


def test_only_what_the_answers_lead_to_is_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    reference = REFERENCE.read_text()
    helpers = "".join(
        f"def helper{n}(X):\n    return X + {n}\n\nY{n} = helper{n}(1)\n" for n in range(5000)
    )
    definitions = parse("big.py", (reference + helpers).encode()).definitions
    parsed: list[int] = []
    node = Statement.node
    monkeypatch.setattr(
        Statement, "node", lambda statement: parsed.append(statement.first) or node(statement)
    )
    assert findings(definitions, load().forbid, {}) == {}
    # the reference's answers and imports, none of the helpers
    assert parsed and max(parsed) <= reference.count("\n")


def test_what_the_calls_ran_is_a_finding_whatever_the_code_names() -> None:
    computed = F + "def corr2d(X, K):\n    return getattr(F, 'conv' + '2d')(X, K)"
    assert found(computed) == {}  # no parse reads a name computed at run time
    said = "sure: `corr2d` ran `aten.convolution`, the operator of `conv2d`, in the hidden checks"
    assert found(computed, ran={"corr2d": {"aten.convolution"}}) == {"corr2d": said}
    assert found(computed, ran={"corr2d": {"aten.im2col"}}) == {}  # unfold is not forbidden here


def test_names_the_parse_cannot_resolve_are_unsure_unless_the_record_settles_them() -> None:
    star = "from scipy.signal import *\ndef corr2d(X, K):\n    return correlate2d(X, K)"
    said = (
        "unsure: `corr2d` uses `correlate2d` (cell 1, line 3), which the grader could not trace"
        " to your own code or to a library; if it is a library's"
    )
    assert found(star) == {"corr2d": said}
    string = found("def corr2d(X, K, lib=None):\n    return getattr(lib, 'correlate2d')(X, K)")
    assert string["corr2d"].startswith("unsure: `corr2d` uses `'correlate2d'`")
    torch_star = "from torch.nn.functional import *\ndef corr2d(X, K):\n    return conv2d(X, K)"
    assert found(torch_star) == {}  # conv2d has an operator, and its calls never reached it
    ran = found(torch_star, ran={"corr2d": {"aten.conv2d"}})
    assert ran["corr2d"].startswith("sure: `corr2d` ran `aten.conv2d`")


def test_only_the_operators_a_forbidden_name_reaches_are_watched() -> None:
    forbid = {"corr2d": ("conv2d", "correlate2d"), "pool2d": ("avg_pool2d",), "multi_in": ("fft",)}
    operators = watched(AssignmentConfig(forbid=forbid))
    assert operators["corr2d"] == frozenset(REACHES["conv2d"]) >= {"aten.conv2d", "aten.conv3d"}
    assert operators["pool2d"] == {"aten.avg_pool1d", "aten.avg_pool2d", "aten.avg_pool3d"}
    assert operators["multi_in"] == set()
    assert watched(AssignmentConfig(from_scratch=FromScratch.OFF, forbid=forbid)) == {}


UNMAPPED = re.compile(r"^(_?quantized|onednn)\.|_backward|_prepack|_unpack|_reorder|_unpool|_alloc")
"""Operators of the kinds that `REACHES` covers, left out: quantized kernels (integer arithmetic on
quantized tensors, whose rounding the checks reject), backward ones (autograd runs them, not the
answer), the preparation of weights, unpooling, and a pool of memory."""


def test_the_table_names_torchs_operators_and_leaves_none_of_their_kinds_out() -> None:
    for operator in TABLE:
        assert torch._C._jit_get_schemas_for_operator(operator.replace(".", "::", 1)), operator
    registered = {name.partition(".")[0] for name in torch._C._dispatch_get_all_op_names()}
    names = {name.replace("::", ".") for name in registered}
    kinds = {name for name in names if re.search(r"conv(?!ert)|pool|im2col|unfold", name)}
    assert sorted(name for name in kinds.difference(TABLE) if not UNMAPPED.search(name)) == []
    assert "correlate2d" not in REACHES and "convolve" not in REACHES  # the parse's alone


@pytest.fixture
def worker() -> Iterator[Namespace]:
    """A namespace answered as a worker answers (`probes.handle`), watching every operator of the
    table; torch's own kernels are left as they were afterwards."""
    namespace = probes.new_namespace()
    assert probes.handle(namespace, {"op": "watch", "seq": 0, "operators": TABLE})["status"] == "ok"
    try:
        yield namespace
    finally:
        probes.handle(namespace, {"op": "watch", "seq": 0, "operators": []})
        assert not torch._C._dispatch_has_kernel_for_dispatch_key("aten::conv2d", "BackendSelect")


def call(namespace: Namespace, name: str, *args: Any) -> dict[str, Any]:
    """The reply to calling `name`, through the JSON a worker's go through."""
    encoded = [encode(arg) for arg in args]
    request = {"op": "call", "seq": 0, "name": name, "args": encoded, "kwargs": {}, "grad_args": []}
    return json.loads(json.dumps(probes.handle(namespace, request)))


CONV = "torch.rand(1, 1, 5, 6), torch.rand(1, 1, 2, 2)"
ARGS = "None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1"
POOL = "torch.rand(1, 1, 5, 6), 2, 1"
THREAD = """out = []
    t = threading.Thread(target=lambda: out.append(F.conv1d(torch.rand(1, 5), torch.rand(1, 1, 2))))
    t.start()
    t.join()
    return out[0]"""
ROUTES = {
    f"return F.conv2d({CONV})": ["aten.conv2d"],
    "return nn.Conv2d(1, 1, 2)(torch.rand(1, 1, 5, 6))": ["aten.conv2d"],
    f"return torch.convolution({CONV}, {ARGS})": ["aten.convolution"],
    f"return getattr(torch.ops.aten, 'conv' + 'olution')({CONV}, {ARGS})": ["aten.convolution"],
    f"return torch.ops.aten._slow_conv2d_forward({CONV}, [2, 2], None, [1, 1], [0, 0])": [
        "aten._slow_conv2d_forward",
    ],
    f"with torch.inference_mode():\n        return F.conv2d({CONV}).clone()": ["aten.conv2d"],
    THREAD: ["aten.conv1d"],
    f"return F.max_pool2d({POOL})": ["aten.max_pool2d"],
    f"return F.max_pool2d({POOL}, return_indices=True)[0]": ["aten.max_pool2d_with_indices"],
    "return F.max_pool1d(torch.rand(1, 5), 2, 1)": ["aten.max_pool1d"],
    f"return getattr(torch.ops.aten, 'avg' + '_pool2d')({POOL})": ["aten.avg_pool2d"],
    "return F.adaptive_avg_pool2d(torch.rand(1, 5, 6), 1)": ["aten.adaptive_avg_pool2d"],
    "return F.adaptive_max_pool2d(torch.rand(1, 5, 6), 3)[0]": ["aten.adaptive_max_pool2d"],
    "return F.unfold(torch.rand(1, 1, 5, 6), 2)": ["aten.im2col"],
    "return X.unfold(0, 2, 1)": ["aten.unfold"],
    "return (X[0:2, 0:2] * X[1:3, 1:3]).sum() + X.mean() + torch.einsum('ij,ij', X, X)": [],
}


@pytest.mark.parametrize("body", ROUTES)
def test_the_worker_sees_the_operators_however_called(worker: Namespace, body: str) -> None:
    imports = "import threading\nimport torch\nfrom torch import nn\n" + F
    cell = f"{imports}def f(X):\n    {body}\nf(torch.rand(3, 3))"
    assert [reply["status"] for reply in probes.run_cells(worker, [cell], [1], None, set())] == [
        "ok"
    ]
    reply = call(worker, "f", torch.rand(4, 4))  # what ran as the cell loaded is not the call's
    assert reply["status"] == "ok" and reply.get("reached", []) == ROUTES[body]


BUILDS_ON_CORR2D = """import torch.nn.functional as F
def corr2d_multi_in(X, K):
    return sum(corr2d(x, k) for x, k in zip(X, K))
def corr2d_pad_stride(X, K, padding=0, stride=1):
    return corr2d(F.pad(X, (padding,) * 4), K)[::stride, ::stride]
def pool2d(X, pool_size, mode='max'):
    F.max_pool2d(X[None], pool_size)
    raise ValueError(mode)
"""


def test_the_grader_substitutes_do_not_count_but_the_students_calls_do(worker: Namespace) -> None:
    list(probes.run_cells(worker, [BUILDS_ON_CORR2D], [1], None, set()))
    correct = substitution(("corr2d", "Conv2D"))  # with F.conv2d
    assert probes.handle(worker, correct)["status"] == "ok"
    X, K = torch.rand(2, 4, 4), torch.rand(2, 2, 2)
    assert "reached" not in call(worker, "corr2d_multi_in", X, K)
    assert "reached" not in call(worker, "corr2d_pad_stride", torch.rand(4, 4), torch.rand(2, 2))
    reply = call(worker, "pool2d", torch.rand(4, 4), (2, 2))  # raised, after what it ran
    assert reply["status"] == "raised" and reply["reached"] == ["aten.max_pool2d"]


def test_the_judge_keeps_only_watched_names_from_a_reply() -> None:
    ops = frozenset({"aten.convolution", "aten.avg_pool2d"})
    listed = ["aten.convolution", "aten.im2col", 3, "x" * 10**6]
    assert reached({"reached": listed}, ops) == {"aten.convolution"}
    assert reached({"reached": "aten.convolution"}, ops) == set() and reached({}, ops) == set()
    assert reached({"reached": ["aten.mean"] * REACHED_MAX + ["aten.avg_pool2d"]}, ops) == set()


def write(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "convkit.toml").write_text(text)
    return folder


def test_the_assignment_config_is_validated_with_one_line_errors(tmp_path: Path) -> None:
    assert load().from_scratch is FromScratch.FEEDBACK and "corr2d" in load().forbid
    assert (
        load(write(tmp_path / "ok", '[from_scratch]\nmode = "zero"\n')).from_scratch
        is FromScratch.ZERO
    )
    bad = {
        '[from_scratch]\nmode = "strict"\n': "from_scratch mode must be one of 'off', "
        "'feedback', 'zero'",
        '[from_scratch.forbid]\ncorr = ["conv2d"]\n': "names 'corr', which is not a question",
        '[from_scratch.forbid]\ncorr2d = "conv2d"\n': "corr2d must be a list of names",
        "[gradescope]\nshow_hidden = 1\n": "show_hidden must be true or false",
        "[grading]\n": "unknown table [grading]",
        "[gradescope]\nshow = true\n": "unknown key 'show' in [gradescope]",
        "[gradescope\n": "is not valid TOML",
    }
    for number, (text, said) in enumerate(bad.items()):
        with pytest.raises(ConfigError) as error:
            load(write(tmp_path / str(number), text))
        assert (
            said in str(error.value)
            and "convkit.toml" in str(error.value)
            and "\n" not in str(error.value)
        )


def test_the_prairielearn_image_is_the_courses_choice(tmp_path: Path) -> None:
    from convkit.settings.assignment import DEFAULT_IMAGE, grader_image

    assert grader_image() == DEFAULT_IMAGE
    chosen = write(tmp_path / "ok", '[prairielearn]\nimage = "ada/convkit-grader:2026"\n')
    assert grader_image(chosen) == "ada/convkit-grader:2026" and load(chosen).show_hidden
    with pytest.raises(ConfigError, match=r"\[prairielearn\] image must name a Docker .*'My I"):
        grader_image(write(tmp_path / "bad", '[prairielearn]\nimage = "My Image"\n'))


def test_a_bad_config_stops_convkit_grade_with_one_line(tmp_path: Path) -> None:
    course = write(tmp_path / "course", '[from_scratch]\nmode = "strict"\n')
    done = subprocess.run(
        [
            sys.executable, "-m", "convkit.cli", "grade", str(REFERENCE),
            "--out", str(tmp_path / "out"), "--course", str(course),
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert (
        done.returncode == 2
        and done.stderr.count("\n") == 1
        and "from_scratch mode must be one of" in done.stderr
    )


SCRATCH = {name: set(EXPECTED[name]["scratch"]) for name in EXPECTED if name.startswith("scratch_")}
"""The attacks on the policy, by name, with the questions whose answers call the library."""
HONEST = {
    "own_helpers_named_like_library.py": set(),
    "fconv2d_optim_sgd.py": {"corr2d", "multi_in", "multi_in_out", "pool2d"},  # torch's own
}
Graded = tuple[FromScratch, dict[str, SubmissionResult]]


@pytest.fixture(scope="module", params=list(FromScratch))
def graded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Graded:
    """The attacks on the policy and two correct files, graded in one batch per mode, with the
    assignment's lists."""
    mode = request.param
    folder = tmp_path_factory.mktemp(f"scratch-{mode}")
    paths = [expand(ATTACKS / name, folder) for name in SCRATCH]
    paths += [CORPORA / "honest" / name for name in HONEST]
    assignment = AssignmentConfig(from_scratch=mode, forbid=load().forbid)
    config = GradingConfig(jobs=2)
    batch = grade_batch(paths, GradingRun(config, 3, assignment), choose("plain"), progress=False)
    return mode, dict(zip([*SCRATCH, *HONEST], batch.results, strict=True))


@pytest.mark.xdist_group("policy")  # the three batches once, on one worker
@pytest.mark.parametrize("name", [*SCRATCH, *HONEST])
def test_library_calls_are_found_and_cost_points_in_zero_mode(graded: Graded, name: str) -> None:
    mode, results = graded
    questions = results[name].questions
    caught = {**SCRATCH, **HONEST}[name]
    assert all(check.passed for question in questions for check in question.checks), name
    said = {question.question for question in questions if question.scratch}
    assert said == (set() if mode is FromScratch.OFF else caught)
    assert not any(question.unsure for question in questions)
    lost = {question.question for question in questions if question.score < question.max_score}
    assert lost == (caught if mode is FromScratch.ZERO else set())
    zero = mode is FromScratch.ZERO
    cost = "so this question scores 0." if zero else "no points were taken off for it."
    for text in (question_markdown(question) for question in questions if question.scratch):
        assert text.count("**Not from scratch:** `") == 1 and cost in text
