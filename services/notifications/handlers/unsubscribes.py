"""Unsubscribe links for non-essential mail (RFC 8058 one-click too).

- Which mail: every kind that is not `essential` belongs to a topic (domain/unsubscribe.py).
  When such a mail is queued (mail.enqueue_in, handlers/mail.py: the one place every mail goes
  through), its text and HTML parts get a footer with the link to the gateway's page
  `/unsubscribe/<token>`, and the mail carries `List-Unsubscribe: <…/unsubscribe/<token>/one-click>`
  with `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
- The check: `mail.enqueue_in` looks up `unsubscribes` (org, recipient key, topic) first; a mail
  to someone who unsubscribed from its topic is not queued for sending: it is logged with the
  status `unsubscribed` (staff see why it did not go out; its idempotency key stays used).
- The token names the org, the recipient key (contact:<id>, staff:<id>, else email:<address>)
  and the topic, signed with itsdangerous (HMAC-SHA1 over the payload, salted "unsubscribe").
  It is not secret from its holder (base64 JSON), only unforgeable. The key is one random
  32-byte secret per org, made on first use and kept in notifications' own database
  (`unsubscribe_keys`): no deployment has to provide it, web and worker share it, and a
  token of one org never verifies in another. Deleting an org's row rotates it (every
  earlier link then stops working). Links do not expire: an old mail's link still works.
- Applying is idempotent and only ever unsubscribes. A staff member's unsubscribe also turns
  all their activity mail off (the console's preferences then show the truth); choosing
  any activity mail again there lifts it (staff_mail.set_mail_preferences).
- Contacts: the unsubscribe holds until the contact's profile turns that topic on (identity's
  ProfileUpdated with notify[topic] true where notifications last knew it as off or unset):
  ticking the box in the profile and saving undoes the link's unsubscribe. Saving the
  profile with the box left as it was does not.
"""
from __future__ import annotations

import secrets

from itsdangerous import URLSafeSerializer
from markupsafe import escape
from sqlalchemy import delete, select

from services.chassis.db import upsert_insert
from services.chassis.events import Event, utc_now
from services.notifications.domain.commands import Unsubscribe
from services.notifications.domain.unsubscribe import TOPICS, describe
from services.notifications.i18n import words
from services.notifications.queries.links import portal_url
from services.notifications.queries.unsubscribes import SALT, read_token, secret_of
from services.notifications.tables import known_contacts, staff_mail_prefs, unsubscribe_keys, unsubscribes

CONTACT_TOPICS = sorted({t for t in TOPICS.values() if t != "activity"})


# -- tokens --------------------------------------------------------------------------------------
def _secret(conn, org_id: str) -> str:
    """The org's key, made on first use."""
    found = secret_of(conn, org_id)
    if found is None:
        conn.execute(upsert_insert(conn, unsubscribe_keys).values(
            org_id=org_id, secret=secrets.token_urlsafe(32)).on_conflict_do_nothing(index_elements=["org_id"]))
        found = secret_of(conn, org_id)
    return found


def token_for(conn, org_id: str, recipient: str, topic: str) -> str:
    return URLSafeSerializer(_secret(conn, org_id), salt=SALT).dumps([org_id, recipient, topic])


# -- the list ------------------------------------------------------------------------------------
def apply_unsubscribe(rt, cmd: Unsubscribe) -> tuple[str, str]:
    """The link's POST: stop that topic's mail to that recipient (again: no change). A staff
    member's unsubscribe from activity mail also turns all their activity mail off. Returns
    (recipient key, topic)."""
    with rt.engine.begin() as conn:
        recipient, topic = read_token(conn, cmd.org_id, cmd.token)
        unsubscribe(conn, cmd.org_id, recipient, topic)
        if recipient.startswith("staff:") and topic == "activity":
            all_off(conn, cmd.org_id, recipient.split(":", 1)[1])
    return recipient, topic


def unsubscribe(conn, org_id: str, recipient: str, topic: str) -> None:
    conn.execute(upsert_insert(conn, unsubscribes).values(
        org_id=org_id, recipient=recipient, topic=topic, created_at=utc_now())
        .on_conflict_do_nothing(index_elements=["org_id", "recipient", "topic"]))


def resubscribe(conn, org_id: str, recipient: str, topic: str) -> None:
    conn.execute(delete(unsubscribes).where(unsubscribes.c.org_id == org_id, unsubscribes.c.recipient == recipient,
                                            unsubscribes.c.topic == topic))


def all_off(conn, org_id: str, staff_id: str) -> None:
    """An unsubscribe link's doing: no activity mail at all (the console's choices show it)."""
    conn.execute(delete(staff_mail_prefs).where(staff_mail_prefs.c.org_id == org_id,
                                                staff_mail_prefs.c.staff_id == staff_id))


# -- the links in a mail -------------------------------------------------------------------------
def links(conn, org_id: str, recipient: str, topic: str) -> dict:
    """{page, one_click}: the gateway's page (GET shows, POST confirms) and RFC 8058's target."""
    page = portal_url(conn, org_id, f"/unsubscribe/{token_for(conn, org_id, recipient, topic)}")
    return {"page": page, "one_click": page + "/one-click"}


def with_footer(content: dict, page: str, topic: str, locale: str | None = None) -> dict:
    """The footer in the recipient's language (`locale`)."""
    t = words(locale)
    what = t.gettext(describe(topic))
    text = content["text"].rstrip("\n") + "\n\n--\n" + t.gettext(
        "You get this e-mail about %(topic)s. Stop them: %(link)s") % {"topic": what, "link": page} + "\n"
    about = t.gettext("You get this e-mail about %(topic)s.") % {"topic": escape(what)}
    stop = escape(t.gettext("Unsubscribe"))
    footer = (f'<p style="font-size:small;color:#555">{about} '
              f'<a href="{escape(page)}">{stop}</a></p>')
    html = content["html"]
    cell = html.find('class="footer"')               # the layout's footer (adapters/mail_layout.py)
    at = html.find("</td>", cell) if cell >= 0 else html.lower().rfind("</body>")
    html = html[:at] + footer + html[at:] if at >= 0 else html + footer
    return {**content, "text": text, "html": html}


# -- the contact's profile turning a topic back on -------------------------------------------------
def on_profile_updated(event: Event, uow) -> None:
    """Runs before customer_mail's handler replaces notifications' copy of `notify`
    (the order is bootstrap.EVENT_HANDLERS')."""
    d = event.data
    before = uow.conn.execute(select(known_contacts.c.notify).where(
        known_contacts.c.contact_id == d["contact_id"], known_contacts.c.org_id == event.org_id)).scalar() or {}
    after = d.get("notify") or {}
    for topic in CONTACT_TOPICS:
        if after.get(topic) is True and before.get(topic) is not True:
            resubscribe(uow.conn, event.org_id, f"contact:{d['contact_id']}", topic)

