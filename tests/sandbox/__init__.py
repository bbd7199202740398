"""Tests of convkit.sandbox and the worker: the boundary, the protocol, replies, faults,
containers."""
