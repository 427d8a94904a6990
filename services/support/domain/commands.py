"""What support can be asked to do, as the API builds it from a request: one frozen
dataclass per command, imperative names, one handler each (bootstrap.COMMAND_HANDLERS).
`viewer` is who acts (a contact, or staff), as the internal token says."""
from __future__ import annotations

from dataclasses import dataclass

from services.support.domain.viewer import Viewer


@dataclass(frozen=True)
class RaiseTicket:
    org_id: str
    customer_id: str
    subject: str
    description: str
    priority: str = "normal"
    category: str | None = None
    raised_by: str = "contact"              # contact | staff
    author_id: str = ""
    author_name: str | None = None
    contact_id: str | None = None           # the contact it belongs to (staff may name one)


@dataclass(frozen=True)
class PostMessage:
    viewer: Viewer
    ticket_id: str
    body: str


@dataclass(frozen=True)
class AddNote:
    viewer: Viewer
    ticket_id: str
    body: str


@dataclass(frozen=True)
class SetStatus:
    viewer: Viewer
    ticket_id: str
    status: str


@dataclass(frozen=True)
class CloseTicket:
    viewer: Viewer
    ticket_id: str
    resolution: str | None = None


@dataclass(frozen=True)
class ReopenTicket:
    viewer: Viewer
    ticket_id: str


@dataclass(frozen=True)
class AssignTicket:
    viewer: Viewer
    ticket_id: str
    assignee_id: str | None
    assignee_name: str | None = None


@dataclass(frozen=True)
class MergeTicket:
    viewer: Viewer
    ticket_id: str
    into_ticket_id: str


@dataclass(frozen=True)
class MarkSeen:
    viewer: Viewer
    ticket_id: str
    seq: int


@dataclass(frozen=True)
class SubmitReview:
    viewer: Viewer
    rating: int
    comment: str | None = None
    ticket_id: str | None = None          # a rating of this ticket's resolution; None: the service


@dataclass(frozen=True)
class AddCannedReply:
    org_id: str
    title: str
    body: str


@dataclass(frozen=True)
class DeleteCannedReply:
    org_id: str
    reply_id: str
