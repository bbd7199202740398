"""What is graded: the questions, the oracle, and the hidden checks."""
