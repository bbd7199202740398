"""The instructor's choices and the grader's limits: the assignment's file, the course seed."""
