"""Judge-side answers computed once per judge process and reused across submissions.

Every submission graded with one seed gets the same inputs, and a shrink walks the same smaller
inputs for every submission with the same bug, so the oracle's answers and the bug signatures'
outputs on them repeat. They are pure functions of the inputs, so they are cached by the inputs'
content (dtype, shape and bytes of tensors, the `repr` of other values): a hit gives exactly what
computing again would, and grades cannot depend on what the process graded before. Values that have
no such key (an object, a tensor that needs gradients) are never cached. A hit hands out the cached
object itself: callers treat answers as read-only (clone before writing in place).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from contextlib import suppress
from typing import Any, TypeVar

import torch

T = TypeVar("T")

MAX_ENTRIES = 16384
"""Answers are small tensors (tens to hundreds of entries, about 1 kB with their key): tens of MB at
most per judge process, enough for one seed's checks and the shrinks of the common bugs."""

_answers: OrderedDict[Hashable, Any] = OrderedDict()
_MISSING = object()
_lock = threading.Lock()
"""A Dask worker may grade in several threads: lookups and inserts are atomic (computations run
outside it)."""


class _Raised:
    """A computation that raised: cached too, so an input that cannot happen is not tried again.
    Only the error's type and arguments are kept, never the error itself, whose traceback would hold
    the frames (and a submission's objects) that raised it; each replay raises a fresh error built
    from them. (Not `copy.copy`: libraries such as tblib make exceptions copy their tracebacks.)"""

    def __init__(self, error: Exception) -> None:
        self.kind, self.args = type(error), error.args
        # an error that cannot be rebuilt from its arguments raises here, and is not cached
        self.replay()

    def replay(self) -> Exception:
        return self.kind(*self.args)


def content_key(values: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """A key equal exactly when the values are equal in dtype, shape and every bit; None when one
    cannot be made."""
    parts: list[Any] = []
    for name, value in values.items():
        if type(value) is torch.Tensor:
            if (
                value.requires_grad
                or value.layout is not torch.strided
                or value.device.type != "cpu"
            ):
                return None
            try:
                data = value.numpy().tobytes()
            except (RuntimeError, TypeError):
                return None  # a dtype numpy lacks (bfloat16)
            parts.append((name, str(value.dtype), tuple(value.shape), data))
        elif _plain(value) or (type(value) is tuple and all(_plain(item) for item in value)):
            parts.append((name, repr(value)))
        else:
            return None
    return tuple(parts)


def _plain(value: Any) -> bool:
    return value is None or type(value) in (bool, int, float, str)


def computed(
    what: Hashable,
    inputs: Mapping[str, Any] | tuple[Any, ...] | None,
    compute: Callable[[], T],
    errors: tuple[type[Exception], ...] = (),
) -> T:
    """`compute()`, or its cached result for `what` on inputs of the same content (the inputs, or
    their `content_key` when the caller asks about several `what`s at once). Exceptions of the types
    in `errors` are cached and raised again; any other exception is raised and not cached."""
    found = content_key(inputs) if isinstance(inputs, Mapping) else inputs
    if found is None:
        return compute()
    key = (what, found)
    with _lock:
        answer = _answers.get(key, _MISSING)
        if answer is not _MISSING:
            _answers.move_to_end(key)
    if answer is _MISSING:
        try:
            answer = compute()
        except errors as error:
            with suppress(Exception):  # an error that cannot be rebuilt is not cached
                _store(key, _Raised(error))
            raise
        _store(key, answer)
    elif isinstance(answer, _Raised):
        raise answer.replay()
    return answer


def _store(key: Hashable, answer: Any) -> None:
    with _lock:
        _answers[key] = answer
        if len(_answers) > MAX_ENTRIES:
            _answers.popitem(last=False)


def clear() -> None:
    """Forget every answer (tests that count computations start from here)."""
    with _lock:
        _answers.clear()
