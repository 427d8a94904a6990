"""billing's read models, kept in step with its events (the billing issue adds them)."""
from sqlalchemy import MetaData

metadata = MetaData()


def all_projections():
    return []
