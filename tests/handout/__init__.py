"""Tests of convkit.handout: the build, the rendered handout, the reference and the stubs."""
