"""End to end: the command line, the attack corpus, the bug catalogs, seeds, the wheel."""
