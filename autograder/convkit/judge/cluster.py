"""The Dask preload's old name: `--preload convkit.judge.cluster` is `--preload
convkit.batch.cluster`."""

from convkit.batch.cluster import *  # noqa: F403
from convkit.batch.cluster import dask_setup  # noqa: F401  (the name Dask looks up)
