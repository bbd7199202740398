"""Public checks: the book's examples, run on the student's own machine, one line each.

This file is copied verbatim into what students get (the notebook's first cell and
test_convolutions.py), followed by the checks of each question rendered from the questions;
it imports nothing but torch and the standard library. A failing check says what is wrong in one
line, names a known bug when the output matches one (the handout carries those wrong outputs for the
book's inputs, nothing else), shows expected and actual values as small grids, and says when a
question it builds on fails too.
"""

import warnings

import torch

GRID = 6
CHECKS = {}
"""Question id -> check name -> check(env); filled by the rendered checks that follow this
runtime."""
BUILDS_ON = {}
"""Question id -> earlier question ids whose functions a usual answer calls."""
TORCH_SCALAR_WARNING = "Converting a tensor with requires_grad=True to a scalar"
"""What torch says of `float(loss)`, the natural way to record a loss as the Python float that
learn_kernel asks for: a correct answer, so the checks keep it from the student."""


class Failure(Exception):
    """A public check's verdict: its message is what the student reads."""


def _num(x):
    text = f"{float(x):.4g}"
    return "0" if text == "-0" else text


def _rows(tensor):
    tensor = tensor.detach()
    while tensor.dim() > 2 and tensor.shape[-1] == 1:
        tensor = tensor.squeeze(-1)
    if tensor.dim() == 0:
        return [_num(tensor)]
    if tensor.dim() == 1:
        tensor = tensor[None]
    if tensor.dim() > 3 or any(n > GRID for n in tensor.shape):
        return [f"a tensor of shape {tuple(tensor.shape)}"]
    if tensor.dim() == 3:
        return [
            line
            for index, matrix in enumerate(tensor)
            for line in [f"[{index}]", *("  " + row for row in _rows(matrix))]
        ]
    cells = [[_num(x) for x in row] for row in tensor.tolist()]
    width = max(len(cell) for row in cells for cell in row)
    return [" ".join(cell.rjust(width) for cell in row) for row in cells]


def _grid(name, tensor):
    rows = _rows(tensor)
    if rows[0].startswith("a tensor of shape"):
        return [f"{name} {tuple(tensor.shape)}: too large to show"]
    return [f"{name} {tuple(tensor.shape)}:", *("  " + row for row in rows)]


def expect_close(call, actual, expected, bugs=None, tol=1e-4):
    """Fail unless `actual` is a floating-point tensor equal to `expected` (within `tol`)."""
    expected = torch.as_tensor(expected, dtype=torch.float64)
    if not isinstance(actual, torch.Tensor):
        raise Failure(f"{call}: expected a torch.Tensor, got {type(actual).__name__}")
    if not actual.is_floating_point():
        raise Failure(
            f"{call}: expected a floating-point tensor, got dtype "
            f"{str(actual.dtype).replace('torch.', '')}"
        )
    got = actual.detach().double()
    if got.shape == expected.shape and (
        not expected.numel() or float((got - expected).abs().max()) <= tol
    ):
        return
    named = next((bug for bug, wrong in (bugs or {}).items() if _same(got, wrong, tol)), None)
    if got.shape != expected.shape:
        summary = f"expected shape {tuple(expected.shape)}, got {tuple(got.shape)}"
    else:
        wrong = ((got - expected).abs() > tol).nonzero()[0].tolist()
        summary = (
            f"first wrong at {wrong}: expected {_num(expected[tuple(wrong)])}, got "
            f"{_num(got[tuple(wrong)])}"
        )
    head = f"{call}: {named}" if named else f"{call}: {summary}"
    raise Failure(
        "\n".join(
            [head, *([summary] if named else []), *_grid("expected", expected), *_grid("got", got)]
        )
    )


def _same(got, wrong, tol):
    wrong = torch.as_tensor(wrong, dtype=torch.float64)
    return got.shape == wrong.shape and float((got - wrong).abs().max()) <= tol


def expect_equal(call, actual, expected, bugs=None):
    """Fail unless `actual == expected` (same type too: a list is not a tuple)."""
    if type(actual) is type(expected) and actual == expected:
        return
    named = next(
        (
            bug
            for bug, wrong in (bugs or {}).items()
            if type(actual) is type(wrong) and actual == wrong
        ),
        None,
    )
    seen = f"expected {expected!r}, got {actual!r}"
    raise Failure(f"{call}: {named}\n{seen}" if named else f"{call}: {seen}")


def symbol(env, name):
    """The student's definition of `name`."""
    if name not in env:
        raise Failure(f"`{name}` is not defined: define it with exactly this name")
    return env[name]


def require(condition, message):
    """Fail with `message` unless `condition` holds."""
    if not condition:
        raise Failure(message)


class NotImplementedYet(Failure):
    """The function is still the stub."""


def run_check(check, env):
    """One check on the student's names in `env`: None if it passes, else the failure (a
    Failure)."""
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=TORCH_SCALAR_WARNING, category=UserWarning)
            check(env)
    except NotImplementedError as error:
        return NotImplementedYet(str(error) or "not implemented yet")
    except Failure as failed:
        return failed
    except Exception as error:  # noqa: BLE001 - the student's code may raise anything; say it in one line
        return Failure(f"raised {type(error).__name__}: {' '.join(str(error).split())[:200]}")
    return None


def verdict(question, name, env):
    """One public check: None if it passes, else the lines saying why (with a word when a question
    it builds on fails its own checks, the likelier cause)."""
    failed = run_check(CHECKS[question][name], env)
    if failed is None:
        return None
    lines = str(failed).splitlines() or ["failed"]
    if not isinstance(failed, NotImplementedYet):
        broken = [
            earlier
            for earlier in BUILDS_ON.get(question, ())
            if any(run_check(check, env) for check in CHECKS[earlier].values())
        ]
        if broken:
            lines = [f"{lines[0]} (`{broken[0]}` fails its own checks; fix it first)", *lines[1:]]
    return lines


def run_question(question, env):
    """Every public check of one question: a list of (check name, None or the lines saying why it
    failed)."""
    return [(name, verdict(question, name, env)) for name in CHECKS[question]]


def report(question, env):
    """The public checks of one question as a student reads them: one line per check, details
    indented."""
    lines = []
    outcomes = run_question(question, env)
    for name, failure in outcomes:
        if failure is None:
            lines.append(f"{question}: {name}: passed")
        else:
            lines.append(f"{question}: {name}: {failure[0]}")
            lines += ["    " + line for line in failure[1:]]
    failed = sum(1 for _, failure in outcomes if failure)
    lines.append(
        f"{question}: all {len(outcomes)} public checks passed"
        if not failed
        else f"{question}: {failed} of {len(outcomes)} public checks failed"
    )
    return "\n".join(lines)
