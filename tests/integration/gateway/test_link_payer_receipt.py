"""A stranger who pays by link on the gateway's /pay/<token> page and types an address gets a
receipt: the real billing records the payment, its events reach the real notifications (by
hand here, as notifications' consumer hands them over), and one receipt is queued to that
address; typing none queues none."""
from __future__ import annotations

from sqlalchemy import select

from services.chassis.events import Event
from services.chassis.tables import events
from services.notifications import bootstrap
from tests.integration.gateway import billing_backend, notifications_backend
from tests.integration.gateway.test_payment_links import invoice, make_link, pay, stranger

TOPIC = "portal.billing.v1"


def hand_over(payment_id: str) -> None:
    """billing's events of the payment, to notifications' consumer handlers, once each."""
    with billing_backend.billing_app().extensions["portal"].engine.connect() as conn:
        rows = conn.execute(select(events).where(events.c.stream_id == payment_id)
                            .order_by(events.c.position)).all()
    with notifications_backend.runtime().store.unit_of_work() as uow:
        for row in rows:
            event = Event.from_row(row)
            if uow.mark_handled(event.event_id, TOPIC, event.type):
                bootstrap.subscriptions()[TOPIC][event.type](event, uow)
        uow.commit()


def paid_by_stranger(world, app, **form) -> str:
    path = make_link(world, invoice(world)["invoice_id"])
    answer = pay(stranger(app), path, **form)
    assert answer.status_code == 302 and answer.headers["Location"].startswith(path + "/payments/")
    return answer.headers["Location"].rsplit("/", 1)[1]


def test_a_stranger_who_types_an_address_gets_one_receipt(world, app):
    notifications_backend.know_org(world.org)
    payment_id = paid_by_stranger(world, app, email="payer@example.test")
    hand_over(payment_id)
    hand_over(payment_id)                                   # delivered again: nothing more
    assert notifications_backend.queued_mails(world.org["org_id"], "payment_receipt") == [
        ("payer@example.test", "Receipt for your payment to Acme Trading")]


def test_a_stranger_who_types_no_address_gets_no_mail(world, app):
    notifications_backend.know_org(world.org)
    hand_over(paid_by_stranger(world, app))
    assert notifications_backend.queued_mails(world.org["org_id"], "payment_receipt") == []


def test_the_receipt_greets_the_payer_by_the_name_typed_and_carries_no_token(world, app):
    from services.notifications.tables import emails
    notifications_backend.know_org(world.org)
    path = make_link(world, invoice(world)["invoice_id"])
    answer = pay(stranger(app), path, email="gina@example.test", name="Gina Rossi")
    hand_over(answer.headers["Location"].rsplit("/", 1)[1])
    with notifications_backend.runtime().engine.connect() as conn:
        [body] = conn.execute(select(emails.c.text_body).where(emails.c.kind == "payment_receipt",
                                                               emails.c.recipient == "gina@example.test")).scalars()
    assert body.startswith("Hello Gina Rossi,") and "Hello gina" not in body
    assert path.rsplit("/", 1)[1] not in body                   # the link's token never travels in an event


def test_the_receipt_mails_link_gives_the_pdf_for_the_address_the_payer_typed_only(world, app):
    from tests.integration.gateway.conftest import Browser, text
    from services.notifications.tables import emails
    notifications_backend.know_org(world.org)
    payment_id = paid_by_stranger(world, app, email="Gina@Example.test")
    hand_over(payment_id)
    with notifications_backend.runtime().engine.connect() as conn:
        [body] = conn.execute(select(emails.c.text_body).where(emails.c.kind == "payment_receipt",
                                                               emails.c.recipient == "Gina@Example.test")).scalars()
    assert f"/receipts/{payment_id}" in body
    reader = Browser(app)
    page = reader.get(f"/receipts/{payment_id}")
    assert page.status_code == 200 and "type the e-mail address you gave when you paid" in text(page)
    wrong = reader.send(f"/receipts/{payment_id}", {"email": "someone@example.test"})
    assert wrong.status_code == 404 and "We found no receipt for this payment and address." in text(wrong)
    pdf = reader.send(f"/receipts/{payment_id}", {"email": "gina@example.TEST"})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    # a payment that was not made through a link has no such page, whatever is typed
    mine = billing_backend.pay_invoice(world.org["org_id"], world.customer["customer_id"],
                                       invoice(world)["invoice_id"])
    other = reader.send(f"/receipts/{mine['payment_id']}", {"email": "gina@example.test"})
    assert other.status_code == 404
