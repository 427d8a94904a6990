"""documents's aggregates: pure Python, no I/O (built by the documents issue)."""
