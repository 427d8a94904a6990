"""make chaos: faults under load, then lost: 0, doubled: 0 (see __main__.py)."""
