"""orders's read models, kept in step with its events in the append's transaction (the
orders issue adds them, one module per read model with its tables, on tables.metadata)."""


def all_projections() -> list:
    return []
