"""How a check judges an answer: the one module hidden checks import, as pytest's users import
`pytest`.

A hidden check (`convkit.exercises.hidden`) is a function decorated with `check`, given a `Student`
and a seeded generator; it asks the student's code through `expect_*`, compares with the `oracle`,
and names a `Bug` only on proof. The modules behind these names are private to convkit.
"""

from convkit.checking import cache
from convkit.checking.bugs import ONE_CHANNEL, Bug, equal_pair, explained
from convkit.checking.checks import check
from convkit.checking.compare import (
    Function,
    expect_call,
    expect_dtype,
    expect_inputs_unchanged,
    expect_tensor,
)
from convkit.checking.inputs import (
    book_K,
    book_K_channels,
    book_X,
    book_X_channels,
    choice,
    dimension,
    edge_image,
    edge_variant,
    factor,
    integers,
    offset,
    size,
    uniform,
    unlike,
    variants,
)
from convkit.checking.student import LayerProbe, Student
from convkit.checking.values import close, describe, gradient_error, max_error, num
from convkit.errors import CheckFailed, NotImplementedYet, StudentRaised, said
from convkit.exercises import oracle
from convkit.exercises.oracle import Size, pair
from convkit.output.escaping import quoted
from convkit.worker.protocol import DETACHED

__all__ = [
    "Bug",
    "CheckFailed",
    "DETACHED",
    "Function",
    "LayerProbe",
    "NotImplementedYet",
    "ONE_CHANNEL",
    "Size",
    "Student",
    "StudentRaised",
    "book_K",
    "book_K_channels",
    "book_X",
    "book_X_channels",
    "check",
    "choice",
    "close",
    "describe",
    "dimension",
    "edge_image",
    "edge_variant",
    "equal_pair",
    "expect_call",
    "expect_dtype",
    "expect_inputs_unchanged",
    "expect_tensor",
    "explained",
    "factor",
    "gradient_error",
    "integers",
    "max_error",
    "cache",
    "num",
    "offset",
    "oracle",
    "pair",
    "quoted",
    "said",
    "size",
    "uniform",
    "unlike",
    "variants",
]
