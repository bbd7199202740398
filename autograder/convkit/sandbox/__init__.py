"""Where student code runs, the judge's side: backends, slots, sessions, replayed transcripts."""
