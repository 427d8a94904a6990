"""An org's mail wording, and mails filled in from it: the wording used for a kind and
language (the org's own, its base language's, else ours), a template filled in (sandboxed
Jinja2, adapters/templates.py), and staff's preview of a draft with sample data."""
from __future__ import annotations

from markupsafe import escape
from sqlalchemy import select

from services.chassis import orgs
from services.notifications.adapters import mail_layout, templates
from services.notifications.domain.email_template import check_placeholders, kind_of, template_id
from services.notifications.domain.mail_kinds import SAMPLE_COMMON
from services.notifications.queries.links import portal_url
from services.notifications.projections.email_templates import email_templates


def wording(conn, org_id: str, kind: str, locale: str) -> dict:
    """The org's own template for this kind and language, else its base language, else ours."""
    for loc in dict.fromkeys([locale, locale.split("-")[0], "en"]):
        row = conn.execute(select(email_templates).where(
            email_templates.c.template_id == template_id(org_id, kind, loc))).first()
        if row is not None:
            return {"subject": row.subject, "text": row.text, "html": row.html, "custom": True,
                    "locale": loc}
    k = kind_of(kind)
    return {"subject": k.subject, "text": k.text, "html": None, "custom": False, "locale": "en"}


def brand_of(conn, org_id: str) -> dict:
    """What an org's mails look like: its brand colour, its logo's address on its portal, and
    whether it is in test mode (every mail then says so)."""
    settings = orgs.settings(conn, org_id)
    logo = settings.get("logo")
    return {"colour": settings.get("brand_colour"),
            "logo_url": portal_url(conn, org_id, f"/brand/logo?v={logo}") if logo else None,
            "test_mode": bool(settings.get("test_mode"))}


def fill(source: dict, context: dict, kind: str | None = None, brand: dict | None = None) -> dict:
    """The mail's subject, text and HTML (made from the text when the template has none, the
    kind's links in it as links). A one-time link (kind.fixed_link) is never the
    template's to place: the portal adds it below the text, as a line and as a link; a
    template saved before that rule reads "the link below" where it named it. With `brand`
    (brand_of), the HTML is the whole mail: the org's layout with the kind's one button."""
    button = _button(kind, context)
    fixed = kind is not None and kind_of(kind).fixed_link and "link" in context
    link = context.get("link") if fixed else None
    if fixed:
        context = {**context, "link": "the link below"}
    subject = " ".join(templates.render(source["subject"], context, field="subject").split())
    text = templates.render(source["text"], context, field="text")
    links = [context[name] for name in (kind_of(kind).links if kind else ()) if isinstance(context.get(name), str)]
    html = (templates.render(source["html"], context, html=True, field="html") if source.get("html")
            else templates.html_from_text(text, links))
    if fixed:
        text = f"{text.rstrip()}\n\n{link}\n"
        html += f'<p><a href="{escape(link)}">{escape(link)}</a></p>'
    if brand is not None:
        html = mail_layout.wrap(html, subject, context.get("org") or {}, button, **brand)
        if brand.get("test_mode"):
            text = f"{mail_layout.TEST_MODE}\n\n{text}"
    return {"subject": subject, "text": text, "html": html}


def _button(kind: str | None, context: dict) -> tuple[str, str] | None:
    """The kind's button: its words and the link it was filled in with."""
    found = kind_of(kind).button if kind else None
    if found is None or not isinstance(context.get(found[1]), str):
        return None
    return found[0], context[found[1]]


def preview(conn, org_id: str, kind: str, locale: str, draft: dict) -> dict:
    # a part left out (None) is the current wording's; an empty html ("") means none
    source = {**wording(conn, org_id, kind, locale), **{k: v for k, v in draft.items() if v is not None}}
    for part in ("subject", "text", "html"):
        check_placeholders(kind_of(kind), templates.names_used(source.get(part), field=part), field=part)
    org = orgs.get(conn, org_id)
    return fill(source, {**kind_of(kind).sample, **SAMPLE_COMMON,
                         "org": {"name": org["name"], "host": org["host"]}}, kind, brand_of(conn, org_id))
