"""Every mail in its recipient's language: our default wording in German, French and Arabic,
the layout's own words (the button, the test-mode line, the unsubscribe footer) from
notifications' catalogues, amounts and dates as the reader writes them, and the Arabic HTML
right to left. The recipient's language: the contact's own, else the org's default language,
else English."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from services.notifications.app import create_app
from services.notifications.bootstrap import SPEC
from services.notifications.tables import emails
from tests.helpers.tokens import as_system
from tests.integration.notifications.test_customer_mail import contact, deliver, event, issued, payment
from tests.integration.notifications.test_webhooks import org_created

WORDS = {  # locale: what the invitation, the receipt and the reminder say in it
    "de": {"invitation": ("Ihre Einladung zum Kundenportal von Acme", "hat Sie zum Kundenportal von Acme eingeladen",
                          "Einladung annehmen"),
           "receipt": ("Beleg für Ihre Zahlung an Acme", "wir haben 1.234,56\xa0€ für INV-000123 erhalten",
                       "Ihr Zahlungsbeleg"),
           "reminder": ("Erinnerung: Rechnung INV-000123 ist in 3 Tagen fällig", "Fälligkeitsdatum 31.01.2027",
                        "Rechnung bezahlen"),
           "hello": "Guten Tag Sam Buyer,", "test_mode": "Testmodus: Zahlungen werden hier nur simuliert",
           "footer": "Abbestellen"},
    "fr": {"invitation": ("Votre invitation au portail client de Acme", "vous invite au portail client de Acme",
                          "Accepter l'invitation"),
           "receipt": ("Reçu de votre paiement à Acme", "Nous avons bien reçu 1\u202f234,56\xa0€ pour INV-000123",
                       "Votre reçu"),
           "reminder": ("Rappel : la facture INV-000123 arrive à échéance dans 3 jours",
                        "date d'échéance : 31 janv. 2027", "Régler la facture"),
           "hello": "Bonjour Sam Buyer,", "test_mode": "Mode test : les paiements sont simulés",
           "footer": "Se désabonner"},
    "ar": {"invitation": ("دعوة إلى بوابة عملاء Acme", "إلى بوابة عملاء Acme", "قبول الدعوة"),
           "receipt": ("إيصال دفعتك إلى Acme", "استلمنا مبلغ", "إيصالك"),
           "reminder": ("تذكير: الفاتورة INV-000123 تستحق خلال 3 أيام", "تاريخ الاستحقاق", "دفع الفاتورة"),
           "hello": "مرحبًا Sam Buyer،", "test_mode": "وضع الاختبار: المدفوعات هنا محاكاة",
           "footer": "إلغاء الاشتراك"},
}


@pytest.fixture
def make_env(make_runtime, db_kind, monkeypatch):
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://{host}")

    def make(**settings):
        rt = make_runtime(SPEC, db_kind, kafka_bootstrap="127.0.0.1:1")
        org_id = str(uuid.uuid4())
        created = org_created(org_id)
        created.data.update(host="portal.acme.test", settings={"test_mode": True, **settings})
        deliver(rt, "identity", created)
        return rt, org_id
    return make


def queued(rt, org_id, kind: str):
    with rt.engine.connect() as conn:
        [row] = conn.execute(select(emails).where(emails.c.org_id == org_id, emails.c.kind == kind)).all()
    return row


def invite(rt, org_id, locale):
    client = as_system(create_app(rt.config).test_client())
    body = {"kind": "invitation", "to": "sam@bolt.test", "name": "Sam Buyer", "idempotency_key": "invite-1",
            "locale": locale, "variables": {"inviter": "Dana", "link": "https://portal.acme.test/invite/abc",
                                            "expires_at": "am 15. Dezember 2026"}}
    assert client.post(f"/orgs/{org_id}/emails", json=body).status_code == 202


def remind(rt, org_id):
    deliver(rt, "billing", event(org_id, "ReminderSent", "Invoice", {
        "invoice_id": "inv-1", "customer_id": "cust-1", "number": "INV-000123", "currency": "EUR",
        "amount_due_minor": 123456, "due_date": "2027-01-31", "days_from_due": -3}))


def assert_in_language(row, locale, what):
    subject, sentence, button = WORDS[locale][what]
    assert row.subject == subject
    assert WORDS[locale]["hello"] in row.text_body and sentence in row.text_body
    assert WORDS[locale]["test_mode"] in row.text_body
    assert f">{button}</a>" in row.html_body.replace("&#39;", "'")
    assert WORDS[locale]["test_mode"] in row.html_body
    direction = "rtl" if locale == "ar" else "ltr"
    assert f'<html lang="{locale}" dir="{direction}">' in row.html_body


@pytest.mark.parametrize("locale", ["de", "fr", "ar"])
def test_an_invitation_is_in_the_recipients_language(make_env, locale):
    rt, org_id = make_env()
    invite(rt, org_id, locale)
    assert_in_language(queued(rt, org_id, "invitation"), locale, "invitation")


@pytest.mark.parametrize("locale", ["de", "fr", "ar"])
def test_a_receipt_is_in_the_contacts_language_with_their_amounts(make_env, locale):
    rt, org_id = make_env()
    issued(rt, org_id)
    contact(rt, org_id, language=locale)
    payment(rt, org_id, "PaymentSettled")
    assert_in_language(queued(rt, org_id, "payment_receipt"), locale, "receipt")


@pytest.mark.parametrize("locale", ["de", "fr", "ar"])
def test_a_reminder_says_when_and_how_to_stop_them_in_the_contacts_language(make_env, locale):
    rt, org_id = make_env()
    contact(rt, org_id, language=locale)
    remind(rt, org_id)
    row = queued(rt, org_id, "payment_reminder")
    assert_in_language(row, locale, "reminder")
    assert WORDS[locale]["footer"] in row.html_body


def test_a_contact_without_a_language_reads_the_orgs_default_else_english(make_env):
    rt, org_id = make_env(default_language="fr")
    contact(rt, org_id)                                  # ContactAdded: no language chosen
    remind(rt, org_id)
    assert_in_language(queued(rt, org_id, "payment_reminder"), "fr", "reminder")
    rt, org_id = make_env()
    contact(rt, org_id)
    remind(rt, org_id)
    row = queued(rt, org_id, "payment_reminder")
    assert row.subject == "Reminder: invoice INV-000123 is due in 3 days"
    assert '<html lang="en" dir="ltr">' in row.html_body and ">Pay the invoice</a>" in row.html_body
    assert "Test mode: payments here are simulated and no money moves." in row.text_body
