"""identity's read models, kept in step with its events in the same transaction."""
from services.identity.projections.directory import Directory


def all_projections():
    return [Directory()]
