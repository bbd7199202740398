"""Tests of convkit.settings: instructor inputs read safely, the course seed."""
