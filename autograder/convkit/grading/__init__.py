"""One submission graded: its source read into cells, its checks run, the from-scratch policy."""
