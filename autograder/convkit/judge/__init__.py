"""Kept so that `dask worker --preload convkit.judge.cluster`, as convkit 0.1 documented it, still
works."""
