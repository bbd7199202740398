"""The trusted judge: sandboxes and sessions, the oracle, comparisons and feedback. No worker ever sees it."""
