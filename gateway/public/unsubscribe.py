"""Unsubscribe links of non-essential mail, without signing in: /unsubscribe/<token> on the
org's own host (the links notifications puts in each mail; services/notifications/handlers/unsubscribes.py).

- GET shows what the link would stop ("Stop e-mails about replies to your tickets from Acme?")
  and a confirm button (a CSRF-protected form). GET never changes anything: mail scanners and
  link previews follow links.
- POST (the button) applies it and says so.
- POST /unsubscribe/<token>/one-click is RFC 8058's one-click target, named in the mail's
  `List-Unsubscribe` header: the mail provider POSTs `List-Unsubscribe=One-Click` there from
  its servers, so it can carry no CSRF token. That route alone is exempt from CSRF
  (`init_unsubscribe`): it only ever unsubscribes the one recipient and topic the signed token
  names, and doing it twice changes nothing, so a forged cross-site POST gains nothing.
- A token that is unknown, forged, of another org or too long is one readable 404 page.

The contact can take it back in their profile (ticking the topic again); staff by choosing
activity mail again in the console.
"""
from __future__ import annotations

from flask import Blueprint, Response, render_template

from gateway.clients.base import ServiceProblem
from gateway.web.access import public
from gateway.web.context import MAX_TOKEN_LENGTH, notifications, org_id

bp = Blueprint("public_unsubscribe", __name__)


def _invalid():
    return render_template("public/unsubscribe/invalid.html"), 404


def _ask(call, token: str) -> dict | None:
    """The service's answer, or None for a token it does not accept."""
    if len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        return call(org_id(), token)
    except ServiceProblem as problem:
        if problem.status in (400, 404, 422):
            return None
        raise


@bp.get("/unsubscribe/<token>")
@public
def page(token: str):
    link = _ask(notifications().unsubscribe_link, token)
    if link is None:
        return _invalid()
    return render_template("public/unsubscribe/page.html", link=link, token=token, done=False)


@bp.post("/unsubscribe/<token>")
@public
def confirm(token: str):
    link = _ask(notifications().unsubscribe, token)
    if link is None:
        return _invalid()
    return render_template("public/unsubscribe/page.html", link=link, token=token, done=True)


@bp.post("/unsubscribe/<token>/one-click")
@public
def one_click(token: str):
    """RFC 8058: answered in plain text to a mail provider's server, not a person."""
    link = _ask(notifications().unsubscribe, token)
    if link is None:
        return Response("This unsubscribe link is not valid.\n", status=404, mimetype="text/plain")
    return Response(f"Unsubscribed from {link['topic_label']}.\n", mimetype="text/plain")


def init_unsubscribe(app) -> None:
    """Exempts only the one-click route from CSRF (see above)."""
    app.extensions["csrf"].exempt(one_click)
