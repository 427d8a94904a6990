"""support's aggregates: pure Python, no I/O (built by the support issue)."""
