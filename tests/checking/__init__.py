"""Tests of convkit.checking: comparisons, effects, the cache of oracle answers."""
