"""Signing in and out: the portal's sign-in page (contacts) and the console's (staff), one
page with a kind; signing out works in every state. The MFA step follows (mfa.py).

Every view carries one access declaration (gateway/web/access.py). Pages are plain
server-rendered forms that work with JavaScript off.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request
from flask_babel import gettext as _

from gateway.clients.base import ServiceProblem
from gateway.public.forms import SignInForm
from gateway.web.access import public
from gateway.web.account import closed_page, page_status, signin_url
from gateway.web.context import (client_ip, current_session, drop_session, home_url, identity, local_path, org_id,
                                 pending_step, principal, session_token, settings, start_session, step_url,
                                 user_agent)
from gateway.web.forms import apply_problem
from gateway.web.security import rate_limited

bp = Blueprint("public_signin", __name__)


# -- sign-in (shared with the console: kind "contact" here, "staff" there) -----------------
def sign_in_page(kind: str):
    if kind == "contact" and not settings().get("portal_enabled", False):
        return closed_page()
    session = current_session()
    if session is not None and request.method == "GET":
        return redirect(home_url(session))
    form = SignInForm()
    messages: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            answer = identity().sign_in(org_id(), kind, form.email.data.strip(), form.password.data,
                                        client_ip(), user_agent())
        except ServiceProblem as problem:
            messages = apply_problem(form, problem)
            status = problem.status if problem.status in (401, 403, 422, 429) else 400
        else:
            _end_quietly(session_token() if session is not None else None)
            start_session(answer)
            step = pending_step(answer)
            if step:
                return redirect(step_url(step))
            return redirect(local_path(request.args.get("next")) or home_url(answer))
    page = render_template("public/signin/signin.html", form=form, kind=kind, messages=messages)
    return page, page_status(form, status)


def _end_quietly(token: str | None) -> None:
    """Signing in again over a live session: the old one ends rather than lingering."""
    if token:
        try:
            identity().end(org_id(), token)
        except ServiceProblem:
            pass


@bp.route("/signin", methods=["GET", "POST"])
@rate_limited("signin")
@public
def signin():
    return sign_in_page("contact")


@bp.route("/console/signin", methods=["GET", "POST"])
@rate_limited("signin")
@public
def console_signin():
    return sign_in_page("staff")


@bp.post("/signout")
@public
def signout():
    """Works in every state (also half-way through MFA) and without a session."""
    kind = principal().get("kind") if current_session() else None
    _end_quietly(session_token())                # already ended elsewhere: the outcome is the same
    drop_session()
    flash(_("You are signed out."), "success")
    return redirect(signin_url(kind))
