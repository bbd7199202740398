"""Tests of convkit.grading: reading a submission, the from-scratch policy."""
