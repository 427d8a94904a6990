"""A contact's profile, folded from its events (the aggregate answers: there is no read model for it)."""
from __future__ import annotations

from services.identity.domain.contact import Contact


def profile(rt, org_id: str, contact_id: str) -> dict:
    with rt.store.unit_of_work() as uow:
        return uow.load(Contact, contact_id, org_id).profile_view()
