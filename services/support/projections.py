"""support's read models, kept in step with its events (the support issue adds them)."""
from sqlalchemy import MetaData

metadata = MetaData()


def all_projections():
    return []
