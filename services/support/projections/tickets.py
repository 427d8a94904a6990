"""The tickets read models, kept in step with the Ticket events in the append's transaction.

- `tickets`: one row per ticket, what the inbox and the customer's history list read.
  `number_seq` is unique per org: two tickets raised at once that pick the same number
  collide there, and the store retries the second (handlers/tickets.py), which takes the next.
- `ticket_messages`: the conversation, unique on (ticket, seq): the order both sides show.
- `ticket_notes`: staff-internal notes. Only staff routes read this table.
"""
from sqlalchemy import Column, Index, Integer, String, Table, Text, UniqueConstraint, insert, update

from services.chassis.projections import Projection
from services.support.tables import metadata

tickets = Table(
    "tickets", metadata,
    Column("ticket_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("contact_id", String(200)),
    Column("number", String(40), nullable=False),
    Column("number_seq", Integer, nullable=False),
    Column("subject", String(200), nullable=False),
    Column("category", String(60)),
    Column("priority", String(20), nullable=False),
    Column("status", String(30), nullable=False),
    Column("raised_by", String(20), nullable=False),
    Column("raised_by_name", String(200)),
    Column("assignee_id", String(200)),
    Column("assignee_name", String(200)),
    Column("raised_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("last_seq", Integer, nullable=False),
    Column("last_contact_seq", Integer, nullable=False),     # the last message a contact wrote
    Column("last_staff_seq", Integer, nullable=False),       # the last message staff wrote
    Column("resolved_at", String(40)),
    Column("closed_at", String(40)),
    Column("resolution", Text),
    Column("merged_into", String(64)),
    Column("merged_into_number", String(40)),
    UniqueConstraint("org_id", "number_seq", name="uq_tickets_number"),
    Index("ix_tickets_customer", "org_id", "customer_id", "updated_at", "ticket_id"),
    Index("ix_tickets_org", "org_id", "updated_at", "ticket_id"),
)


ticket_messages = Table(
    "ticket_messages", metadata,
    Column("message_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("ticket_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("author_kind", String(20), nullable=False),
    Column("author_id", String(200), nullable=False),
    Column("author_name", String(200)),
    Column("body", Text, nullable=False),
    Column("posted_at", String(40), nullable=False),
    UniqueConstraint("ticket_id", "seq", name="uq_ticket_messages_seq"),
)


ticket_notes = Table(
    "ticket_notes", metadata,
    Column("note_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("ticket_id", String(64), nullable=False),
    Column("author_id", String(200), nullable=False),
    Column("author_name", String(200)),
    Column("body", Text, nullable=False),
    Column("added_at", String(40), nullable=False),
    Index("ix_ticket_notes_ticket", "ticket_id", "added_at"),
)


class Tickets(Projection):
    tables = (tickets, ticket_messages, ticket_notes)

    def when_TicketRaised(self, conn, e):
        d = e.data
        conn.execute(insert(tickets).values(
            ticket_id=d["ticket_id"], org_id=e.org_id, customer_id=d["customer_id"], contact_id=d["contact_id"],
            number=d["number"], number_seq=int(d["number"].rsplit("-", 1)[-1]), subject=d["subject"],
            category=d["category"], priority=d["priority"], status="open", raised_by=d.get("raised_by", "contact"),
            raised_by_name=d.get("author_name"), raised_at=e.occurred_at, updated_at=e.occurred_at,
            last_seq=0, last_contact_seq=0, last_staff_seq=0))

    def when_TicketMessagePosted(self, conn, e):
        d = e.data
        seq = d.get("seq") or e.aggregate_version
        conn.execute(insert(ticket_messages).values(
            message_id=d["message_id"], org_id=e.org_id, ticket_id=d["ticket_id"], customer_id=d["customer_id"],
            seq=seq, author_kind=d["author_kind"], author_id=d["author_id"], author_name=d.get("author_name"),
            body=d["body"], posted_at=e.occurred_at))
        side = {"last_contact_seq": seq} if d["author_kind"] == "contact" else {"last_staff_seq": seq}
        self._touch(conn, e, last_seq=seq, **side)

    def when_TicketNoteAdded(self, conn, e):
        d = e.data
        conn.execute(insert(ticket_notes).values(
            note_id=d["note_id"], org_id=e.org_id, ticket_id=d["ticket_id"], author_id=d["author_id"],
            author_name=d["author_name"], body=d["body"], added_at=e.occurred_at))

    def when_TicketStatusChanged(self, conn, e):
        to = e.data["to_status"]
        values = {"status": to}
        if to == "resolved":
            values["resolved_at"] = e.occurred_at
        elif to == "closed":
            values["closed_at"] = e.occurred_at
        else:
            values["resolved_at"] = None
        self._touch(conn, e, **values)

    def when_TicketClosed(self, conn, e):
        self._touch(conn, e, resolution=e.data["resolution"])

    def when_TicketAssigned(self, conn, e):
        self._touch(conn, e, assignee_id=e.data["assignee_id"], assignee_name=e.data["assignee_name"])

    def when_TicketMerged(self, conn, e):
        self._touch(conn, e, merged_into=e.data["into_ticket_id"], merged_into_number=e.data["into_number"])

    @staticmethod
    def _touch(conn, e, **values):
        conn.execute(update(tickets).where(tickets.c.ticket_id == e.aggregate_id)
                     .values(updated_at=e.occurred_at, **values))
