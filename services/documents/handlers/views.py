"""Who looked: a contact opening a document's page (document_views), and the display names
of who acted (people), written as it happens. Neither is an event: a view changes nothing
for anyone else, and names are only for staff's pages. A name is written once the act is
done, never before it: a request refused (another customer's document, say) writes nothing."""
from __future__ import annotations

from sqlalchemy import update

from services.chassis.db import upsert_insert
from services.chassis.events import utc_now
from services.documents.tables import document_views, people


def remember(conn, caller) -> None:
    if caller.kind not in ("contact", "staff") or not caller.name or not caller.org_id:
        return
    conn.execute(upsert_insert(conn, people).values(
        org_id=caller.org_id, person_id=caller.id, kind=caller.kind, name=caller.name[:200])
        .on_conflict_do_update(index_elements=["org_id", "person_id"], set_={"name": caller.name[:200]}))


def record_view(rt, org_id: str, document_id: str, caller) -> None:
    if caller.kind != "contact":
        return
    now = utc_now()
    with rt.engine.begin() as conn:
        remember(conn, caller)
        seen = conn.execute(update(document_views).where(
            document_views.c.document_id == document_id, document_views.c.contact_id == caller.id)
            .values(last_at=now, count=document_views.c.count + 1)).rowcount
        if not seen:
            conn.execute(upsert_insert(conn, document_views).values(
                document_id=document_id, contact_id=caller.id, org_id=org_id, first_at=now, last_at=now, count=1)
                .on_conflict_do_update(index_elements=["document_id", "contact_id"],
                                       set_={"last_at": now, "count": document_views.c.count + 1}))


def remember_caller(rt, caller) -> None:
    with rt.engine.begin() as conn:
        remember(conn, caller)
