"""Many submissions: finding them and their students, local judges, the fork server, Dask."""
