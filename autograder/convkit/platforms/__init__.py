"""Grading where courses grade: the otter plugin, PrairieLearn's grader, container lockdown."""
