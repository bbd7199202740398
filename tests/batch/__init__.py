"""Tests of convkit.batch: finding submissions, judge pools, a Dask cluster, resuming."""
