"""An org's mail wording, and mails filled in from it: the wording used for a kind and
language (the org's own, its base language's, else ours in that language, else the org's own
English, else ours), a template filled in (sandboxed Jinja2, adapters/templates.py) in the
recipient's language, and staff's preview of a draft with sample data."""
from __future__ import annotations

from markupsafe import escape
from sqlalchemy import select

from services.chassis import orgs
from services.notifications.adapters import mail_layout, templates
from services.notifications.domain.default_wording import default_wording
from services.notifications.domain.email_template import check_placeholders, kind_of, template_id
from services.notifications.domain.mail_kinds import SAMPLE_COMMON
from services.notifications.i18n import N_, mail_locale, words
from services.notifications.queries.links import portal_url
from services.notifications.projections.email_templates import email_templates


# A template saved before one-time links were the portal's to add names `link`: it reads this.
THE_LINK_BELOW = N_("the link below")


def wording(conn, org_id: str, kind: str, locale: str) -> dict:
    """The org's own template for this kind and language, else its base language's, else ours
    in that language (domain/default_wording.py), else the org's own English, else ours. Our
    German beats the org's English for a German reader: a reader gets their language first."""
    base = locale.split("-")[0]
    for loc in dict.fromkeys([locale, base]):
        found = _own(conn, org_id, kind, loc)
        if found is not None:
            return found
    ours = default_wording(kind, base)
    if ours is not None:
        return {"subject": ours[0], "text": ours[1], "html": None, "custom": False, "locale": base}
    found = _own(conn, org_id, kind, "en")
    if found is not None:
        return found
    k = kind_of(kind)
    return {"subject": k.subject, "text": k.text, "html": None, "custom": False, "locale": "en"}


def _own(conn, org_id: str, kind: str, locale: str) -> dict | None:
    row = conn.execute(select(email_templates).where(
        email_templates.c.template_id == template_id(org_id, kind, locale))).first()
    if row is None:
        return None
    return {"subject": row.subject, "text": row.text, "html": row.html, "custom": True, "locale": locale}


def brand_of(conn, org_id: str) -> dict:
    """What an org's mails look like: its brand colour, its logo's address on its portal, and
    whether it is in test mode (every mail then says so)."""
    settings = orgs.settings(conn, org_id)
    logo = settings.get("logo")
    return {"colour": settings.get("brand_colour"),
            "logo_url": portal_url(conn, org_id, f"/brand/logo?v={logo}") if logo else None,
            "test_mode": bool(settings.get("test_mode"))}


def fill(source: dict, context: dict, kind: str | None = None, brand: dict | None = None,
         locale: str | None = None) -> dict:
    """The mail's subject, text and HTML (made from the text when the template has none, the
    kind's links in it as links). A one-time link (kind.fixed_link) is never the
    template's to place: the portal adds it below the text, as a line and as a link; a
    template saved before that rule reads "the link below" where it named it. With `brand`
    (brand_of), the HTML is the whole mail: the org's layout with the kind's one button. The
    portal's own words in it (the button, the test-mode line) are in `locale`'s language."""
    button = _button(kind, context, locale)
    fixed = kind is not None and kind_of(kind).fixed_link and "link" in context
    link = context.get("link") if fixed else None
    if fixed:
        context = {**context, "link": words(locale).gettext(THE_LINK_BELOW)}
    subject = " ".join(templates.render(source["subject"], context, field="subject").split())
    text = templates.render(source["text"], context, field="text")
    links = [context[name] for name in (kind_of(kind).links if kind else ()) if isinstance(context.get(name), str)]
    html = (templates.render(source["html"], context, html=True, field="html") if source.get("html")
            else templates.html_from_text(text, links))
    if fixed:
        text = f"{text.rstrip()}\n\n{link}\n"
        html += f'<p><a href="{escape(link)}">{escape(link)}</a></p>'
    if brand is not None:
        html = mail_layout.wrap(html, subject, context.get("org") or {}, button, **brand, locale=locale)
        if brand.get("test_mode"):
            text = f"{mail_layout.test_mode_line(locale)}\n\n{text}"
    return {"subject": subject, "text": text, "html": html}


def _button(kind: str | None, context: dict, locale: str | None = None) -> tuple[str, str] | None:
    """The kind's button: its words (in `locale`'s language) and the link it was filled in with."""
    found = kind_of(kind).button if kind else None
    if found is None or not isinstance(context.get(found[1]), str):
        return None
    return words(locale).gettext(found[0]), context[found[1]]


def preview(conn, org_id: str, kind: str, locale: str, draft: dict) -> dict:
    # a part left out (None) is the current wording's; an empty html ("") means none
    source = {**wording(conn, org_id, kind, locale), **{k: v for k, v in draft.items() if v is not None}}
    for part in ("subject", "text", "html"):
        check_placeholders(kind_of(kind), templates.names_used(source.get(part), field=part), field=part)
    org = orgs.get(conn, org_id)
    return fill(source, {**kind_of(kind).sample, **SAMPLE_COMMON,
                         "org": {"name": org["name"], "host": org["host"]}}, kind, brand_of(conn, org_id),
                mail_locale(locale))
