"""billing's aggregates: pure Python, no I/O (built by the billing issue)."""
