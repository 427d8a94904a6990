"""identity's read models, kept in step with its events in the same transaction."""
from services.identity.projections.directory import Directory
from services.identity.projections.domains import Domains


def all_projections():
    return [Directory(), Domains()]
