"""support's HTTP API (services/support/API.md): tickets for contacts (tickets.py) and for
staff (staff.py: the inbox, replies, internal notes, status, assignment, merging, canned
replies, the reviews page), service reviews by contacts (reviews.py); bodies in schemas.py.
Each view builds a command (domain/commands.py), hands it to its handler, and answers from
the read models."""
from services.chassis import orgs
from services.support.api.reviews import rv
from services.support.api.staff import blp as staff_blp
from services.support.api.tickets import blp as tickets_blp


def blueprints() -> list:
    return [orgs.blueprint("support"), tickets_blp, staff_blp, rv]
