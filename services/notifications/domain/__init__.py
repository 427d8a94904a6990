"""notifications' aggregates: pure Python, no I/O (built by the notifications issue)."""
