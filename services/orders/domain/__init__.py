"""orders's aggregates: pure Python, no I/O (built by the orders issue)."""
