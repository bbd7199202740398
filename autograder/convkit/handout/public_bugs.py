"""The known bugs' outputs on the book's inputs, for the handout's public checks.

Computed by the oracle when the handout is built, from each suite's bug signatures, so a student's
own check can say "the kernel is flipped" without the handout holding anything hidden: only wrong
answers to inputs the book prints. Building also checks every public example's printed answer
against the oracle.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pprint
from collections.abc import Callable
from typing import Any

import torch

from convkit.checking.bugs import CANNOT_HAPPEN, Bug
from convkit.exercises import oracle
from convkit.exercises.questions import PublicCheck, Question

CANNOT_COMPUTE = (*CANNOT_HAPPEN, KeyError)
"""What a bug's output raises on a book example where it cannot happen there."""


def suite_bugs(question: Question) -> tuple[tuple[Bug, Callable[..., Any]], ...]:
    """The signatures a question's suite declares as BUGS that compute a wrong output and may be
    shown, each with the function that computes it."""
    module = importlib.import_module(f"convkit.exercises.hidden.test_{question.id}")
    shown = [bug for bug in getattr(module, "BUGS", ()) if isinstance(bug, Bug) and bug.public]
    return tuple((bug, bug.output) for bug in shown if bug.output is not None)


def wrong_outputs(question: Question, public: PublicCheck) -> list[dict[str, str]]:
    """Per example of `public`, the known bugs' outputs as Python literals, keyed by the bug in
    words; a bug whose output on the book's input is right, or the same as another bug's, is left
    out (it could not tell)."""
    scope: dict[str, Any] = {"torch": torch, **oracle.BY_SYMBOL}
    exec(public.setup, scope)  # noqa: S102 - the kit's own example code, run with the oracle's functions
    bugs = suite_bugs(question)
    found = []
    for example in public.examples:
        value, expected = eval(example.call, scope), eval(example.expected, scope)  # noqa: S307 - the kit's own examples
        if not agrees(value, expected, example.tol):
            raise ValueError(
                f"{question.id} / {public.name}: {example.call} is {value!r}, not "
                f"{example.expected} as the example says"
            )
        arguments = call_arguments(question, example.call, scope)
        wrong: dict[str, str] = {}
        if arguments is not None:  # else not the question's own function: nothing to compute
            for bug, compute in bugs:
                try:
                    output = compute(*arguments)
                except CANNOT_COMPUTE:
                    continue
                literal = literal_of(output)
                right = output is None or agrees(output, expected, example.tol)
                if not right and literal not in wrong.values():
                    wrong[str(bug)] = literal
        found.append(wrong)
    return found


def call_arguments(question: Question, call: str, scope: dict[str, Any]) -> list[Any] | None:
    """The values of `call`'s arguments in the order of the oracle's parameters (defaults filled
    in), when the call is the question's own function; else None."""
    node = ast.parse(call, mode="eval").body
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == question.symbol
    ):
        return None
    value = lambda expression: eval(compile(ast.Expression(expression), "<example>", "eval"), scope)  # noqa: E731, S307
    function = oracle.BY_SYMBOL[question.symbol]  # a function or a class (an object to the checker)
    assert callable(function)
    bound = inspect.signature(function).bind(
        *(value(argument) for argument in node.args),
        **{keyword.arg: value(keyword.value) for keyword in node.keywords if keyword.arg},
    )
    bound.apply_defaults()
    return list(bound.arguments.values())


def agrees(value: Any, expected: Any, tol: float) -> bool:
    if isinstance(value, torch.Tensor) or isinstance(expected, torch.Tensor):
        got, want = (
            torch.as_tensor(v.detach() if isinstance(v, torch.Tensor) else v, dtype=torch.float64)
            for v in (value, expected)
        )
        return got.shape == want.shape and (
            not want.numel() or float((got - want).abs().max()) <= tol
        )
    return type(value) is type(expected) and value == expected


def literal_of(value: Any) -> str:
    """A wrong output as a short Python literal (tensors as nested lists of rounded floats)."""
    if isinstance(value, torch.Tensor):
        return pprint.pformat(_rounded(value.detach().double().tolist()), width=100, compact=True)
    return repr(value)


def _rounded(value: Any) -> Any:
    return [_rounded(item) for item in value] if isinstance(value, list) else round(value, 6)
