"""Mail to a customer's contacts about their service requests (orders' ServiceRequestUpdated):
when staff (or the ERP) post an update, or move the request's status. To the customer's
contacts who keep "tickets" mail on (their profile's "Tickets": a service request is a
conversation with the team, as a ticket is; the mails carry an unsubscribe link for that
topic), with a link to the request's page in the portal (`/service-requests/<id>`).

- A contact's own update mails nobody (also when it moves the request back to in progress);
  a change of priority or assignee alone mails nobody.
- One mail per event and contact (key `service-request:<event id>:<contact>`): a redelivered
  event mails nothing more.
- The portal must show the customer their requests: an org whose portal has no Service
  requests mails nothing about them.
New requests are for staff: the activity feed has them (activity kind "tickets").
"""
from __future__ import annotations

from services.chassis import orgs
from services.chassis.events import Event
from services.notifications.handlers.customer_mail import contacts_wanting, mail_contact, reader_locale
from services.notifications.i18n import N_, words
from services.notifications.queries.links import portal_url

TOPIC = "tickets"
KIND = "service_request_update"
# In English; the mail has them in its reader's language.
STATUS_WORDS = {"new": N_("new"), "in_progress": N_("in progress"), "waiting_on_customer": N_("waiting for you"),
                "resolved": N_("resolved"), "closed": N_("closed")}


def on_service_request_updated(event: Event, uow) -> None:
    d = event.data
    if d["author_kind"] == "contact" or not {"update", "status"} & set(d["changed"]):
        return
    if "service_requests" not in (orgs.settings(uow.conn, event.org_id).get("modules") or []):
        return
    link = portal_url(uow.conn, event.org_id, f"/service-requests/{d['service_request_id']}")
    for reader in contacts_wanting(uow.conn, event.org_id, d["customer_id"], TOPIC):
        t = words(reader_locale(uow.conn, event.org_id, reader))
        status = t.gettext(STATUS_WORDS[d["status"]]) if d["status"] in STATUS_WORDS else d["status"]
        mail_contact(uow.conn, event.org_id, reader, KIND, {
            "request_number": d["number"], "author": d["author_name"] or t.gettext("The team"),
            "update": d["text"], "status": status if "status" in d["changed"] else None,
            "link": link},
            f"service-request:{event.event_id}:{reader.contact_id}")
