"""Tests of convkit.platforms: otter on Gradescope, PrairieLearn."""
