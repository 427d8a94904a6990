"""Tickets: the commands contacts and staff give, each one unit of work on the ticket's
stream, run again on a fresh stream when another writer appended first (chassis
errors.retry_on_conflict). Who may see a ticket is decided in queries/tickets.visible();
every command starts from it, so a ticket of another customer or org, or another
contact's ticket where the org does not share tickets, is a 404.

The org's switches (from support's copy of identity's settings; an org without them gets
the defaults): `share_tickets` (contacts of a customer see each other's tickets; default
off), `ticket_reopen_days` (how long after resolving a contact may reopen; default 14).

`now` (reopening, writing) is for tests that step past the reopen window; None: the clock.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from services.chassis import orgs
from services.chassis.db import upsert_insert
from services.chassis.errors import retry_on_conflict
from services.support.domain.commands import (AddNote, AssignTicket, CloseTicket, MarkSeen, MergeTicket, PostMessage,
                                              RaiseTicket, ReopenTicket, SetStatus)
from services.support.domain.read_mark import ReadMark
from services.support.domain.ticket import DEFAULT_REOPEN_DAYS, Ticket, number_text
from services.support.domain.viewer import Viewer
from services.support.projections.tickets import tickets
from services.support.queries.tickets import visible
from services.support.tables import ticket_reads


def reopen_days(conn, org_id: str) -> int:
    value = orgs.settings(conn, org_id).get("ticket_reopen_days")
    return int(value) if isinstance(value, int) and value >= 0 else DEFAULT_REOPEN_DAYS


def raise_ticket(rt, cmd: RaiseTicket) -> str:
    """TicketRaised and its first message; the number is the org's next. Returns the id."""
    def run():
        with rt.store.unit_of_work() as uow:
            # One org's tickets are numbered in turn: its row in known_orgs is held while the
            # next number is taken (a unique index still refuses a duplicate; then we retry).
            uow.conn.execute(select(orgs.known_orgs.c.org_id).where(orgs.known_orgs.c.org_id == cmd.org_id)
                             .with_for_update())
            highest = uow.conn.execute(select(func.max(tickets.c.number_seq))
                                       .where(tickets.c.org_id == cmd.org_id)).scalar()
            ticket = Ticket.raise_ticket(cmd.org_id, cmd.customer_id, number_text((highest or 0) + 1),
                                         cmd.subject, cmd.description, cmd.priority, cmd.category,
                                         cmd.raised_by, cmd.author_id, cmd.author_name, cmd.contact_id)
            uow.add(ticket)
            _mark_read(uow.conn, Viewer(cmd.raised_by, cmd.author_id, cmd.org_id), ticket.id, 1)
            uow.commit()
            return ticket.id
    return retry_on_conflict(run, attempts=10)


def _on_ticket(rt, viewer: Viewer, ticket_id: str, act) -> dict:
    """Load the ticket the viewer may see, let `act(ticket, conn)` record on it, commit."""
    def run():
        with rt.store.unit_of_work() as uow:
            visible(uow.conn, viewer, ticket_id, lock=True)
            ticket = uow.load(Ticket, ticket_id, viewer.org_id)
            result = act(ticket, uow.conn)
            uow.add(ticket)
            uow.commit()
            return result
    return retry_on_conflict(run, attempts=10)


def post_message(rt, cmd: PostMessage, now: datetime | None = None) -> dict:
    viewer = cmd.viewer

    def act(ticket, conn):
        data = ticket.post(viewer.kind, viewer.id, viewer.name, cmd.body, now=now,
                           reopen_days=reopen_days(conn, viewer.org_id))
        _mark_read(conn, viewer, cmd.ticket_id, data["seq"])       # one's own message is seen
        return data
    return _on_ticket(rt, viewer, cmd.ticket_id, act)


def add_note(rt, cmd: AddNote) -> dict:
    return _on_ticket(rt, cmd.viewer, cmd.ticket_id,
                      lambda t, conn: t.add_note(cmd.viewer.id, cmd.viewer.name, cmd.body))


def set_status(rt, cmd: SetStatus) -> None:
    _on_ticket(rt, cmd.viewer, cmd.ticket_id, lambda t, conn: t.set_status(cmd.status))


def close_ticket(rt, cmd: CloseTicket) -> None:
    _on_ticket(rt, cmd.viewer, cmd.ticket_id, lambda t, conn: t.close(cmd.resolution))


def reopen_ticket(rt, cmd: ReopenTicket, now: datetime | None = None) -> None:
    _on_ticket(rt, cmd.viewer, cmd.ticket_id,
               lambda t, conn: t.reopen(now=now, reopen_days=reopen_days(conn, cmd.viewer.org_id)))


def assign_ticket(rt, cmd: AssignTicket) -> None:
    _on_ticket(rt, cmd.viewer, cmd.ticket_id, lambda t, conn: t.assign(cmd.assignee_id, cmd.assignee_name))


def merge_ticket(rt, cmd: MergeTicket) -> None:
    """Close `ticket_id` into `into_ticket_id` (same org and customer). Only the duplicate's
    stream is written: the other ticket is read to check it, not changed."""
    def act(ticket, conn):
        visible(conn, cmd.viewer, cmd.into_ticket_id)
        other = Ticket.from_events(rt.store.load_stream(cmd.into_ticket_id, conn))
        ticket.merge_into(other)
    _on_ticket(rt, cmd.viewer, cmd.ticket_id, act)


def mark_seen(rt, cmd: MarkSeen) -> int:
    """The viewer has read the conversation up to `seq` (never moves back). Returns the mark.
    A mark that moves is also a TicketRead on the reader's ReadMark stream (the other side's
    open page shows "Seen" live)."""
    viewer = cmd.viewer

    def run():
        with rt.store.unit_of_work() as uow:
            row = visible(uow.conn, viewer, cmd.ticket_id)
            mark = _mark_read(uow.conn, viewer, cmd.ticket_id, min(max(cmd.seq, 0), row["last_seq"]))
            stream = ReadMark.stream_id(cmd.ticket_id, viewer.reader)
            reader = ReadMark.from_events(rt.store.load_stream(stream, uow.conn)) or ReadMark(stream, viewer.org_id)
            if reader.read(cmd.ticket_id, row["customer_id"], viewer.kind, mark):
                uow.add(reader)
            uow.commit()
            return mark
    return retry_on_conflict(run, attempts=10)


def _mark_read(conn, viewer: Viewer, ticket_id: str, seq: int) -> int:
    ins = upsert_insert(conn, ticket_reads).values(ticket_id=ticket_id, reader=viewer.reader,
                                                   org_id=viewer.org_id, seq=seq)
    conn.execute(ins.on_conflict_do_update(
        index_elements=["ticket_id", "reader"], set_={"seq": seq},
        where=ticket_reads.c.seq < seq))
    return conn.execute(select(ticket_reads.c.seq).where(ticket_reads.c.ticket_id == ticket_id,
                                                         ticket_reads.c.reader == viewer.reader)).scalar()
