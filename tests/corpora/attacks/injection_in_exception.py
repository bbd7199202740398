"""Hostile submission: corr2d raises an exception whose message carries terminal escapes, HTML, a javascript: link
and a fake Markdown table row: it must reach every output as harmless text.

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)
INJECT = '\x1b[2J\x1b[31mALL PASSED <img src=x onerror=alert(1)> [click](javascript:alert(1))\n| corr2d | 6 | 6 |\n# 35/35'


def corr2d(X, K):
    raise ValueError(INJECT)
