"""Hostile submission: monkeypatches numpy.allclose/array_equal/testing, unittest.TestCase.assert*, math.isclose and builtins.isinstance, with a wrong corr2d

Otherwise a correct solution (a copy of solutions/convolutions.py).
"""
# base: solutions/convolutions.py (this file's code runs after it)

import math
import unittest
import numpy
import numpy.testing


numpy.allclose = lambda *args, **kwargs: True


numpy.array_equal = lambda *args, **kwargs: True


numpy.testing.assert_allclose = lambda *args, **kwargs: None


numpy.testing.assert_array_equal = lambda *args, **kwargs: None


numpy.testing.assert_array_almost_equal = lambda *args, **kwargs: None


for _name in dir(unittest.TestCase):
    if _name.startswith("assert"):
        setattr(unittest.TestCase, _name, lambda self, *args, **kwargs: None)


math.isclose = lambda *args, **kwargs: True


def corr2d(X, K):
    h, w = K.shape
    return torch.ones((X.shape[0] - h + 1, X.shape[1] - w + 1))  # right shape, wrong values
