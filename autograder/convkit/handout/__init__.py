"""`convkit build`: the notebook, the stubs, the public checks, the autograder zip, PrairieLearn."""
