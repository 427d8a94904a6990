"""The files on a ticket, staff's side (console/tickets.py shows and takes them): what the
customer and staff attached (documents' staff list for the subject ticket/<id>: name, size,
whose side, when; downloaded through the console's documents page), and a file staff attach,
filed under the ticket's own customer, so that the customer sees it on the ticket."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from gateway.clients.base import ServiceUnavailable
from gateway.web.context import documents, org_id

SUBJECT = "ticket"
MOST = 200                     # documents' largest page: a ticket has far fewer files


class AttachForm(FlaskForm):
    file = FileField("Attach a file", validators=[FileRequired("Choose a file to attach.")])


def attachments(ticket_id: str) -> list[dict] | None:
    """The ticket's files, newest first; None while documents cannot be reached (the ticket's
    conversation stays usable without them)."""
    try:
        return documents().staff_documents(org_id(), {"subject_type": SUBJECT, "subject_id": ticket_id,
                                                      "limit": MOST})["items"]
    except ServiceUnavailable:
        return None


def attach(ticket: dict, upload) -> dict:
    """`upload` (a werkzeug FileStorage) on the ticket, as its customer's file from staff."""
    return documents().staff_upload(org_id(), ticket["customer_id"], upload.filename, upload.stream, upload.mimetype,
                                    subject_type=SUBJECT, subject_id=ticket["ticket_id"])
