"""Mail about a customer's service request, from orders' contract event ServiceRequestUpdated,
through a real SMTP listener on SQLite and PostgreSQL: the customer's contacts who keep
"tickets" mail on hear when staff post an update or move the status (with a link to the
request's page), once per event; their own updates, priority or assignee changes alone, and
an org whose portal has no service requests mail nobody. New requests are staff activity."""
from __future__ import annotations

from contracts.catalogue import validate_data
from services.chassis.events import Event
from services.notifications import bootstrap
from services.notifications.domain.activity_kinds import activity_kind
from services.notifications.handlers import service_request_mail
from tests.integration.notifications.test_customer_mail import contact, deliver, env, inbox
from tests.integration.notifications.test_delivery_mail import portal
from tests.integration.notifications.test_email import send_all
from tests.integration.notifications.test_forwarded_mail import parts

__all__ = ["env", "inbox"]                  # the fixtures these tests use
REQUEST = "sr-1"
PAGE = f"https://portal.acme.test/service-requests/{REQUEST}"
MODULES = ("service_requests",)


def updated(rt, org_id, version, changed, twice=False, **data):
    """ServiceRequestUpdated delivered as the consumer does; `twice`: its mail handler runs again
    for the same event, as a replay past the consumer's own dedupe would."""
    body = {"service_request_id": REQUEST, "customer_id": "cust-1", "number": "SR-000007", "changed": changed,
            "status": "in_progress", "from_status": "new", "priority": "normal", "assignee_id": None,
            "assignee_name": None, "update_id": None, "text": None, "author_kind": None, "author_name": None,
            **data}
    event = Event(type="ServiceRequestUpdated", org_id=org_id, aggregate_type="ServiceRequest",
                  aggregate_id=REQUEST, aggregate_version=version, schema_version=2,
                  data=validate_data("ServiceRequestUpdated", body))
    deliver(rt, "orders", event)
    for handler in bootstrap.EVENT_HANDLERS["portal.orders.v1"]["ServiceRequestUpdated"] if twice else ():
        if handler.__module__ == service_request_mail.__name__:
            with rt.store.unit_of_work() as uow:
                handler(event, uow)
                uow.commit()


def staff_update(rt, org_id, version, text, twice=False):
    updated(rt, org_id, version, ["update"], twice, update_id=f"u-{version}", text=text, author_kind="staff",
            author_name="Dana from Acme", status="waiting_on_customer", from_status="waiting_on_customer")


def test_staff_updates_and_status_changes_mail_the_contacts_once_with_a_link(env, inbox):
    rt, org_id = env
    portal(rt, org_id, MODULES)
    contact(rt, org_id)                                                        # tickets mail on (the default)
    contact(rt, org_id, contact_id="c-2", email="quiet@bolt.test", notify={"tickets": False})
    staff_update(rt, org_id, 2, "The engineer comes on Monday.", twice=True)
    updated(rt, org_id, 3, ["status"], status="resolved", from_status="in_progress")
    send_all(rt, inbox)
    first, second = inbox.messages
    assert first["To"] == second["To"] == "Sam Buyer <sam@bolt.test>"
    assert first["Subject"] == "News on your service request SR-000007"
    text, html = parts(first)
    assert "Dana from Acme wrote" in text and "The engineer comes on Monday." in text and PAGE in text
    assert f'<a href="{PAGE}">' in html and "is now" not in text
    assert "replies to your tickets and service requests" in text and first["List-Unsubscribe"]
    status_text, _ = parts(second)
    assert "SR-000007 is now resolved" in status_text and PAGE in status_text and "wrote" not in status_text


def test_the_customers_own_updates_and_quiet_changes_mail_nobody(env, inbox):
    rt, org_id = env
    portal(rt, org_id, MODULES)
    contact(rt, org_id)
    updated(rt, org_id, 2, ["update", "status"], update_id="u-2", text="It still leaks.", author_kind="contact",
            author_name="Sam Buyer", status="in_progress", from_status="waiting_on_customer")
    updated(rt, org_id, 3, ["priority", "assignee"], priority="urgent", assignee_id="staff-1",
            assignee_name="Dana")
    send_all(rt, inbox)
    assert inbox.messages == []


def test_an_org_without_service_requests_in_its_portal_mails_nothing(env, inbox):
    rt, org_id = env
    portal(rt, org_id, ("invoices",))
    contact(rt, org_id)
    staff_update(rt, org_id, 2, "Hello")
    send_all(rt, inbox)
    assert inbox.messages == []


def test_a_new_request_is_staff_activity_of_the_tickets_kind():
    assert activity_kind("ServiceRequestOpened") == "tickets"
