"""The files on a ticket or a service request, staff's side (console/tickets.py and
console/service_requests.py show and take them): what the customer and staff attached
(documents' staff list for the subject, e.g. ticket/<id>: name, size, whose side, when;
downloaded through the console's documents page), and a file staff attach, filed under the
subject's own customer, so that the customer sees it there too."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from gateway.clients.base import ServiceUnavailable
from gateway.web.context import documents, org_id

MOST = 200                     # documents' largest page: a ticket or request has far fewer files


class AttachForm(FlaskForm):
    file = FileField(_l("Attach a file"), validators=[FileRequired(_l("Choose a file to attach."))])


def attachments(subject_type: str, subject_id: str) -> list[dict] | None:
    """The subject's files, newest first; None while documents cannot be reached (the page
    stays usable without them)."""
    try:
        return documents().staff_documents(org_id(), {"subject_type": subject_type, "subject_id": subject_id,
                                                      "limit": MOST})["items"]
    except ServiceUnavailable:
        return None


def attach(subject_type: str, subject_id: str, customer_id: str, upload) -> dict:
    """`upload` (a werkzeug FileStorage) on the subject, as its customer's file from staff."""
    return documents().staff_upload(org_id(), customer_id, upload.filename, upload.stream, upload.mimetype,
                                    subject_type=subject_type, subject_id=subject_id)
