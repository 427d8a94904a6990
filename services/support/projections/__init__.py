"""support's read models, kept in step with its events in the append's transaction
(rebuilt from them by `python -m services.support rebuild-projections`); their tables
live with them, on tables.metadata."""
from services.support.projections.reviews import Reviews
from services.support.projections.tickets import Tickets


def all_projections():
    return [Tickets(), Reviews()]
