"""The from-scratch policy: which library routines a question's answer may not call, judged on
what its calls ran and on what its code names.

Two signals, each about the answer and the submission's helpers it reaches:

* the worker's record of the library operators the answer's calls reached in the hidden checks
  (`convkit.worker.probes.Watcher`), however it reached them (a closure, getattr with a computed
  name, torch.ops), for the forbidden names that have an operator (`REACHES`);
* the static parse (`convkit.grading.names`), for every forbidden name: names resolved to the
  library objects they denote, the submission's own definitions never counted. What the
  submission's top-level statements bind is noted once, as its code is read into cells
  (`convkit.grading.submissions.Submission.definitions`); a statement is parsed again only where an
  answer's code leads to it.

A finding is sure where the record shows an operator a forbidden name runs, or the parse resolves
a forbidden name to a library object; it costs the question's points in mode "zero". A forbidden
name the parse cannot resolve is the record's to settle where the name has an operator (reached:
sure; not: nothing), and unsure where it has none (scipy's `correlate2d`): said in the feedback,
never costing points.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from convkit.exercises.questions import BY_ID, QUESTIONS
from convkit.grading.names import Definitions, Submission, Use
from convkit.results import QuestionResult
from convkit.settings.assignment import AssignmentConfig, FromScratch

# The operators (as torch.ops spells them) that torch 2.13 on CPU reaches for each kind of routine
# an instructor may forbid, whichever way the routine is called. The worker watches each as the
# dispatcher passes it on, below autograd (`convkit.worker.probes.Watcher`), and a composite one
# (aten.conv2d, aten.max_pool2d) also where autograd would run it: what F.conv2d or nn.Conv2d runs
# is aten.conv2d, then aten.convolution; torch.convolution runs aten.convolution alone. A kind
# covers every dimension, as torch runs 1-d routines on 2-d kernels (F.avg_pool1d is
# aten.avg_pool2d) and any of them computes a 2-d answer over a dimension of size 1. Backward
# operators are left out: autograd runs them, not the answer.
CONVOLUTION = (
    # F.conv1d/2d/3d, F.conv_transpose1d/2d/3d, nn.Conv*d, torch.conv2d, torch.convolution
    "aten.convolution",
    # the same under torch.inference_mode
    "aten.conv1d",
    "aten.conv2d",
    "aten.conv3d",
    "aten.conv_transpose1d",
    "aten.conv_transpose2d",
    "aten.conv_transpose3d",
    "aten._convolution_mode",
    # what aten.convolution calls, down to each device's kernel: all callable through torch.ops
    "aten._convolution",
    "aten.convolution_overrideable",
    "aten._slow_conv2d_forward",
    "aten.thnn_conv2d",
    "aten.slow_conv3d",
    "aten.slow_conv3d_forward",
    "aten.slow_conv_dilated2d",
    "aten.slow_conv_dilated3d",
    "aten.slow_conv_transpose2d",
    "aten.slow_conv_transpose3d",
    "aten.mkldnn_convolution",
    "aten._nnpack_spatial_convolution",
    "aten.conv_tbc",
    "aten.conv_depthwise3d",
    "aten._conv_depthwise2d",
    "aten.cudnn_convolution",
    "aten.cudnn_convolution_transpose",
    "aten.cudnn_convolution_relu",
    "aten.cudnn_convolution_add_relu",
    "aten.miopen_convolution",
    "aten.miopen_convolution_transpose",
    "aten.miopen_depthwise_convolution",
    "aten.miopen_convolution_relu",
    "aten.miopen_convolution_add_relu",
    "aten._mps_convolution",
    "aten._mps_convolution_transpose",
    "mkldnn._convolution_pointwise",
    "mkldnn._convolution_pointwise_",
    "mkldnn._convolution_transpose_pointwise",
    "mkldnn_prepacked.conv2d_run",
)
MAX_POOL = (
    # F.max_pool1d/2d, nn.MaxPool1d/2d (with or without indices), torch.max_pool2d
    "aten.max_pool2d_with_indices",
    "aten.max_pool3d_with_indices",
    # the same under torch.inference_mode, and through torch.ops
    "aten.max_pool1d",
    "aten.max_pool1d_with_indices",
    "aten.max_pool2d",
    "aten.max_pool3d",
    "aten.mkldnn_max_pool2d",
    "aten.mkldnn_max_pool3d",
    "aten.quantized_max_pool1d",
    "aten.quantized_max_pool2d",
    "aten.quantized_max_pool3d",
    # F.fractional_max_pool2d/3d: windows of a random stride, or of stride 1 for the right size
    "aten.fractional_max_pool2d",
    "aten.fractional_max_pool3d",
)
AVG_POOL = (
    # F.avg_pool1d/2d/3d, nn.AvgPool*d, F.lp_pool*d (which averages powers)
    "aten.avg_pool1d",
    "aten.avg_pool2d",
    "aten.avg_pool3d",
)
ADAPTIVE_MAX_POOL = (
    "aten.adaptive_max_pool1d",
    "aten.adaptive_max_pool2d",
    "aten.adaptive_max_pool3d",
)
ADAPTIVE_AVG_POOL = (
    # F.adaptive_avg_pool2d is aten._adaptive_avg_pool2d, or aten.mean for a 1x1 output, which is
    # not pooling and not watched
    "aten._adaptive_avg_pool2d",
    "aten._adaptive_avg_pool3d",
    "aten.adaptive_avg_pool1d",
    "aten.adaptive_avg_pool2d",
    "aten.adaptive_avg_pool3d",
    "aten.mkldnn_adaptive_avg_pool2d",
)
UNFOLD = (
    # F.unfold and nn.Unfold (im2col), Tensor.unfold (sliding windows as a view)
    "aten.im2col",
    "aten.unfold",
    "aten.unfold_copy",
)


def _names(kind: str, dimensions: str = "123") -> tuple[str, ...]:
    """A routine's names in torch.nn.functional and torch.nn for each dimension: "max_pool" gives
    max_pool1d, MaxPool1d, ... max_pool3d, MaxPool3d."""
    module = "".join(part.capitalize() for part in kind.split("_"))
    return tuple(name for d in dimensions for name in (f"{kind}{d}d", f"{module}{d}d"))


REACHES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("convolution", *_names("conv"), *_names("conv_transpose")), CONVOLUTION),
    **dict.fromkeys(("LazyConv1d", "LazyConv2d", "LazyConv3d", "ConvTranspose1d"), CONVOLUTION),
    **dict.fromkeys(("ConvTranspose2d", "ConvTranspose3d"), CONVOLUTION),
    **dict.fromkeys((*_names("max_pool"), *_names("fractional_max_pool", "23")), MAX_POOL),
    **dict.fromkeys(_names("avg_pool"), AVG_POOL),
    **dict.fromkeys(_names("adaptive_max_pool"), ADAPTIVE_MAX_POOL),
    **dict.fromkeys(_names("adaptive_avg_pool"), ADAPTIVE_AVG_POOL),
    **dict.fromkeys(("unfold", "Unfold", "im2col"), UNFOLD),
}
"""The operators each forbidden name reaches. A name not here (scipy's correlate2d, numpy's
convolve) has none, and only the static parse looks for it."""
ASK = "this exercise asks you to write it from scratch"


@dataclass(frozen=True)
class Finding:
    """What the policy says of one question's answer, in words; `sure` unless the parse could not
    resolve what it saw."""

    text: str
    sure: bool


def watched(assignment: AssignmentConfig) -> dict[str, frozenset[str]]:
    """By question: the operators its forbidden names reach, for the worker to watch."""
    if assignment.from_scratch is FromScratch.OFF:
        return {}
    return {
        question: frozenset(operator for name in names for operator in REACHES.get(name, ()))
        for question, names in assignment.forbid.items()
    }


def findings(
    definitions: Definitions,
    forbid: Mapping[str, tuple[str, ...]],
    reached: Mapping[str, set[str]],
) -> dict[str, Finding]:
    """By question with forbidden names: what the policy finds, if anything, in a submission that
    binds `definitions`. `reached`: by question, the watched operators its calls reached
    (`convkit.sandbox.session.Session.reached`)."""
    submission = Submission(definitions)
    answers = frozenset(question.symbol for question in QUESTIONS)
    found = {}
    for question, names in forbid.items():
        symbol = BY_ID[question].symbol
        try:
            uses = submission.uses(symbol, frozenset(names), answers)
        except RecursionError:
            uses = []  # code too deeply nested to read: the record alone judges it
        finding = _finding(symbol, names, uses, reached.get(question, set()))
        if finding is not None:
            found[question] = finding
    return found


def _finding(symbol: str, names: tuple[str, ...], uses: list[Use], ran: set[str]) -> Finding | None:
    sure = next((use for use in uses if use.sure), None)
    if sure is not None and sure.path is not None:
        plain = sure.written.endswith(sure.path.rpartition(".")[2])  # F.conv2d, not an alias
        alias = "" if plain else f", that is `{sure.path}`"
        return Finding(f"`{symbol}` calls `{sure.written}`{alias} ({sure.where}); {ASK}", True)
    name = next((name for name in names if ran.intersection(REACHES.get(name, ()))), None)
    if name is not None:
        operator = next(operator for operator in REACHES[name] if operator in ran)
        text = f"`{symbol}` ran `{operator}`, the operator of `{name}`, in the hidden checks; {ASK}"
        return Finding(text, True)
    unsure = next((use for use in uses if use.name not in REACHES), None)  # the others ran nothing
    if unsure is None:
        return None
    said = f"`{symbol}` uses `{unsure.written}` ({unsure.where}), which the grader could not trace"
    return Finding(f"{said} to your own code or to a library; if it is a library's, {ASK}", False)


def judge_from_scratch(
    questions: tuple[QuestionResult, ...],
    definitions: Definitions,
    assignment: AssignmentConfig,
    reached: Mapping[str, set[str]],
) -> tuple[QuestionResult, ...]:
    """The questions with the policy's findings recorded; in mode "zero", a sure finding forfeits
    its question's score."""
    if assignment.from_scratch is FromScratch.OFF or not assignment.forbid:
        return questions
    found = findings(definitions, assignment.forbid, reached)
    zero = assignment.from_scratch is FromScratch.ZERO
    return tuple(_recorded(question, found.get(question.question), zero) for question in questions)


def _recorded(question: QuestionResult, finding: Finding | None, zero: bool) -> QuestionResult:
    if finding is None:
        return question
    sure = finding.sure
    return replace(question, scratch=finding.text, forfeited=zero and sure, unsure=not sure)
