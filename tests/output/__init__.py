"""Tests of convkit.output: reports, the HTML page, escaping of student text."""
