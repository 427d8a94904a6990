"""Reading tickets: who sees which, the lists, one ticket with its conversation and
timeline, new messages since a point (a live page catching up), unread counts.

Who sees a ticket: staff of its org see every ticket of the org; a contact sees the
tickets of their own customer that they raised, or every ticket of their customer where
the org's `share_tickets` is on. Anything else is a 404, never data. Staff-internal notes
are read by staff routes only; nothing a contact can call reads `ticket_notes`.
"""
from __future__ import annotations

import base64
import json

from sqlalchemy import and_, func, or_, select

from services.chassis import customers, orgs
from services.chassis.errors import DomainError, NotFound
from services.support.domain.viewer import Viewer
from services.support.projections.tickets import ticket_messages, ticket_notes, tickets
from services.support.tables import known_customers, ticket_reads

PAGE = 25
MAX_MESSAGES = 1000          # a ticket's conversation answer (the newest 1000, oldest first)


def shares_tickets(conn, org_id: str) -> bool:
    return bool(orgs.settings(conn, org_id).get("share_tickets"))


def _scope(conn, query, viewer: Viewer):
    c = tickets.c
    query = query.where(c.org_id == viewer.org_id)
    if viewer.kind == "contact":
        query = query.where(c.customer_id == viewer.customer_id)
        if not shares_tickets(conn, viewer.org_id):
            query = query.where(c.contact_id == viewer.id)
    return query


def visible(conn, viewer: Viewer, ticket_id: str, lock: bool = False):
    """The ticket's row if the viewer may see it, else 404. `lock`: hold the row (FOR UPDATE on
    PostgreSQL; SQLite serialises writers anyway) so that writers of one ticket take turns
    instead of failing each other's optimistic append."""
    query = _scope(conn, select(tickets).where(tickets.c.ticket_id == ticket_id), viewer)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("No such ticket.")
    return row._mapping


# --- lists --------------------------------------------------------------------------------

def _cursor(row) -> str:
    return base64.urlsafe_b64encode(json.dumps([row.updated_at, row.ticket_id]).encode()).decode()


def _after(cursor: str | None):
    if not cursor:
        return None
    try:
        updated_at, ticket_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return str(updated_at), str(ticket_id)
    except Exception:           # noqa: BLE001 - any garbage is the same bad cursor
        raise DomainError("This page link is not valid; start from the first page.", field="cursor") from None


def listing(conn, viewer: Viewer, status: str | None = None, priority: str | None = None,
            customer_id: str | None = None, assignee_id: str | None = None, q: str | None = None,
            cursor: str | None = None, limit: int = PAGE) -> dict:
    """Newest activity first, keyset-paged on (updated_at, ticket_id). `status` may be
    "active" (anything not resolved or closed). `assignee_id` "none": unassigned."""
    c = tickets.c
    query = _scope(conn, select(tickets), viewer)
    if status == "active":
        query = query.where(c.status.in_(("open", "in_progress", "waiting_on_customer")))
    elif status:
        query = query.where(c.status == status)
    if priority:
        query = query.where(c.priority == priority)
    if customer_id and viewer.kind == "staff":
        query = query.where(c.customer_id == customer_id)
    if assignee_id == "none":
        query = query.where(c.assignee_id.is_(None))
    elif assignee_id:
        query = query.where(c.assignee_id == assignee_id)
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(or_(func.lower(c.subject).like(like), func.lower(c.number).like(like)))
    after = _after(cursor)
    if after:
        query = query.where(or_(c.updated_at < after[0], and_(c.updated_at == after[0], c.ticket_id < after[1])))
    rows = conn.execute(query.order_by(c.updated_at.desc(), c.ticket_id.desc()).limit(limit + 1)).all()
    page = rows[:limit]
    marks = _marks(conn, viewer, [r.ticket_id for r in page])
    items = [summary(r._mapping, viewer, marks.get(r.ticket_id, 0)) for r in page]
    _name_customers(conn, viewer, items)
    return {"items": items,
            "next_cursor": _cursor(page[-1]) if len(rows) > limit else None}


def _marks(conn, viewer: Viewer, ticket_ids: list[str]) -> dict[str, int]:
    if not ticket_ids:
        return {}
    r = ticket_reads.c
    return dict(conn.execute(select(r.ticket_id, r.seq).where(r.reader == viewer.reader,
                                                              r.ticket_id.in_(ticket_ids))).all())


def unread(conn, viewer: Viewer, ticket_id: str, read_up_to: int) -> int:
    """Messages from the other side after the viewer's mark."""
    m = ticket_messages.c
    return conn.execute(select(func.count()).where(
        m.ticket_id == ticket_id, m.seq > read_up_to, m.author_kind == viewer.other_side)).scalar()


def unread_total(conn, viewer: Viewer) -> int:
    """Tickets the viewer can see with a message from the other side they have not read:
    the count shown beside "Tickets" in the nav."""
    c, r = tickets.c, ticket_reads.c
    other_last = c.last_staff_seq if viewer.kind == "contact" else c.last_contact_seq
    query = _scope(conn, select(func.count()).select_from(
        tickets.outerjoin(ticket_reads, and_(r.ticket_id == c.ticket_id, r.reader == viewer.reader))), viewer)
    return conn.execute(query.where(other_last > func.coalesce(r.seq, 0))).scalar()


def _name_customers(conn, viewer: Viewer, items: list[dict]) -> None:
    """Staff see each ticket's customer by name (support's copy of identity's customers)."""
    if viewer.kind != "staff" or not items:
        return
    found = customers.names(conn, known_customers, viewer.org_id, {i["customer_id"] for i in items})
    for item in items:
        item["customer_name"] = found.get(item["customer_id"])


def summary(row, viewer: Viewer, read_up_to: int) -> dict:
    other_last = row["last_staff_seq"] if viewer.kind == "contact" else row["last_contact_seq"]
    item = {k: row[k] for k in ("ticket_id", "customer_id", "number", "subject", "category", "priority",
                                "status", "raised_at", "updated_at", "resolved_at", "closed_at",
                                "resolution", "merged_into", "merged_into_number", "raised_by_name",
                                "assignee_name")}
    item.update(messages=row["last_seq"], read_up_to=read_up_to, has_unread=other_last > read_up_to)
    if viewer.kind == "staff":
        item.update(contact_id=row["contact_id"], assignee_id=row["assignee_id"], raised_by=row["raised_by"])
    return item


# --- one ticket ---------------------------------------------------------------------------

def detail(conn, store, viewer: Viewer, ticket_id: str) -> dict:
    row = visible(conn, viewer, ticket_id)
    marks = _marks(conn, viewer, [ticket_id])
    found = summary(row, viewer, marks.get(ticket_id, 0))
    _name_customers(conn, viewer, [found])
    found["messages_list"] = messages(conn, viewer, ticket_id, after=0)
    found["seen_by_other_side"] = seen_by(conn, viewer, ticket_id)
    found["timeline"] = timeline(store, conn, viewer, ticket_id)
    if viewer.kind == "staff":
        n = ticket_notes.c
        found["notes"] = [dict(r._mapping) for r in conn.execute(
            select(n.note_id, n.author_id, n.author_name, n.body, n.added_at)
            .where(n.ticket_id == ticket_id).order_by(n.added_at, n.note_id)).all()]
    return found


def messages(conn, viewer: Viewer, ticket_id: str, after: int = 0) -> list[dict]:
    m = ticket_messages.c
    rows = conn.execute(select(ticket_messages).where(m.ticket_id == ticket_id, m.seq > after)
                        .order_by(m.seq.desc()).limit(MAX_MESSAGES)).all()
    return [_message(r, viewer) for r in reversed(rows)]


def _message(row, viewer: Viewer) -> dict:
    item = {"message_id": row.message_id, "seq": row.seq, "author_kind": row.author_kind,
            "author_name": row.author_name, "body": row.body, "posted_at": row.posted_at,
            "mine": row.author_kind == viewer.kind and row.author_id == viewer.id}
    if viewer.kind == "staff":
        item["author_id"] = row.author_id
    return item


def seen_by(conn, viewer: Viewer, ticket_id: str) -> int:
    """How far the other side has read (for staff: the contacts; for contacts: any staff)."""
    r = ticket_reads.c
    return conn.execute(select(func.coalesce(func.max(r.seq), 0)).where(
        r.ticket_id == ticket_id, r.reader.like(f"{viewer.other_side}:%"))).scalar()


def since(conn, viewer: Viewer, ticket_id: str, after: int) -> dict:
    """Messages after `after`, how far the other side has read and the status: what a live
    page fetches once when its stream (gateway/live) opens or reopens, so that nothing
    posted while it was away is lost. Answers at once; nothing here waits or polls."""
    row = visible(conn, viewer, ticket_id)
    return {"items": messages(conn, viewer, ticket_id, after),
            "seen_by_other_side": seen_by(conn, viewer, ticket_id), "status": row["status"]}


TIMELINE_WORDS = {
    "TicketRaised": "raised", "TicketStatusChanged": "status", "TicketClosed": "closed",
    "TicketAssigned": "assigned", "TicketMerged": "merged", "TicketNoteAdded": "note",
}


def timeline(store, conn, viewer: Viewer, ticket_id: str) -> list[dict]:
    """What happened to the ticket, from its events, oldest first (messages are the
    conversation, shown apart). Contacts never get notes nor who it is assigned to."""
    hidden = {"TicketMessagePosted"} | ({"TicketNoteAdded", "TicketAssigned"} if viewer.kind == "contact" else set())
    items = []
    for event in store.load_stream(ticket_id, conn):
        if event.type in hidden or event.type not in TIMELINE_WORDS:
            continue
        d = event.data
        item = {"event": TIMELINE_WORDS[event.type], "at": event.occurred_at}
        if event.type == "TicketStatusChanged":
            item.update(from_status=d["from_status"], to_status=d["to_status"], reason=d.get("reason"))
        elif event.type == "TicketClosed":
            item.update(resolution=d["resolution"])
        elif event.type == "TicketAssigned":
            item.update(assignee_name=d["assignee_name"])
        elif event.type == "TicketMerged":
            item.update(into_ticket_id=d["into_ticket_id"], into_number=d["into_number"])
        elif event.type == "TicketNoteAdded":
            item.update(author_name=d["author_name"])
        items.append(item)
    return items
