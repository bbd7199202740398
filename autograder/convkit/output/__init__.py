"""What a run writes, importing neither torch nor the judge: out folder, journal, reports,
feedback."""
