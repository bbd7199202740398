"""Numbers as feedback and reports write them: at most four significant digits."""

from __future__ import annotations

import math

SIGNIFICANT = 4


def num(x: float) -> str:
    """A number in at most four significant digits: 0.746, 19, -3.8e+35, nan."""
    if isinstance(x, int) and not isinstance(x, bool):
        return str(x) if abs(x) < 10**6 else f"{x:.{SIGNIFICANT - 1}e}"
    if math.isnan(x) or math.isinf(x):
        return str(x)
    text = f"{x:.{SIGNIFICANT}g}"
    return "0" if text == "-0" else text
