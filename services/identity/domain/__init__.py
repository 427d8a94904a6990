"""identity's aggregates: pure Python, no I/O."""
