"""Accepting an invitation: a contact (or a staff member) sets a password through the link
staff sent, and is signed in."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template
from flask_babel import gettext as _

from gateway.clients.base import ServiceProblem
from gateway.public.forms import InviteForm
from gateway.web.access import public
from gateway.web.account import closed_page, page_status
from gateway.web.context import client_ip, home_url, identity, org_id, settings, start_session, user_agent
from gateway.web.forms import apply_problem
from gateway.web.security import rate_limited

bp = Blueprint("public_invitations", __name__)

MAX_INVITATION_TOKEN = 512


@bp.route("/invite/<token>", methods=["GET", "POST"])
@rate_limited("invite")
@public
def invitation(token: str):
    invalid = _("This invitation link is not valid any more.")
    if len(token) > MAX_INVITATION_TOKEN:
        return render_template("public/invitations/invite_invalid.html", message=invalid), 404
    try:
        invited = identity().lookup_invitation(org_id(), token)
    except ServiceProblem as problem:
        if problem.status == 404:
            return render_template("public/invitations/invite_invalid.html", message=problem.detail), 404
        raise
    if invited.get("kind") != "staff" and not settings().get("portal_enabled", False):
        return closed_page()                        # staff join the console even while it is closed
    form = InviteForm()
    messages: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            answer = identity().accept_invitation(org_id(), token, form.password.data, client_ip(), user_agent())
        except ServiceProblem as problem:
            if problem.status == 404:
                return render_template("public/invitations/invite_invalid.html", message=problem.detail), 404
            messages = apply_problem(form, problem)
            status = problem.status if problem.status in (422, 429) else 400
        else:
            start_session(answer)
            return redirect(home_url(answer))
    page = render_template("public/invitations/invite.html", form=form, invited=invited, messages=messages)
    return page, page_status(form, status)
