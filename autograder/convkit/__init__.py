"""convkit: auto-graded exercises for D2L 6.2-6.5, with a judge that never runs student code
itself."""
