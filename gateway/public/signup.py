"""Self sign-up, where the org allows it, with a confirmed address (/signup, then
/verify/<token>). The mailed link points at this request's own scheme and host (as the
reset links do, recovery.py). /verify/<token> only shows a button on GET: mail scanners
open links, and opening one must never create an account."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from gateway.clients.base import ServiceProblem
from gateway.public.forms import ConfirmForm, SignUpForm
from gateway.public.recovery import link_invalid, portal_open
from gateway.web.access import public
from gateway.web.account import closed_page, page_status
from gateway.web.context import (MAX_TOKEN_LENGTH, client_ip, current_session, home_url, identity, link_base, org_id,
                                 settings, start_session, user_agent)
from gateway.web.forms import apply_problem
from gateway.web.security import rate_limited

bp = Blueprint("public_signup", __name__)

SIGNUP_INVALID = _l("This link is not valid any more.")


def _signup_open() -> None:
    """404 where the org does not offer sign-up: the page does not exist for it."""
    if not settings().get("self_signup", False):
        abort(404)


@bp.route("/signup", methods=["GET", "POST"])
@rate_limited("recovery")
@public
def signup():
    if not portal_open():
        return closed_page()
    _signup_open()
    session = current_session()
    if session is not None and request.method == "GET":
        return redirect(home_url(session))
    form = SignUpForm()
    messages: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            identity().sign_up(org_id(), form.name.data.strip(), (form.company.data or "").strip() or None,
                               form.email.data.strip(), form.password.data, link_base(), client_ip())
        except ServiceProblem as problem:
            if problem.status == 404:
                abort(404)
            messages = apply_problem(form, problem)
            status = problem.status if problem.status in (422, 429) else 400
        else:
            return render_template("public/signup/signup_sent.html", email=form.email.data.strip())
    return render_template("public/signup/signup.html", form=form, messages=messages), page_status(form, status)


@bp.route("/verify/<token>", methods=["GET", "POST"])
@rate_limited("recovery")
@public
def verify(token: str):
    if not portal_open():
        return closed_page()
    _signup_open()

    def invalid(message: str = SIGNUP_INVALID, status: int = 404):
        return link_invalid(message, url_for("public_signup.signup"), _("Sign up again"), status)
    if len(token) > MAX_TOKEN_LENGTH:
        return invalid()
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            answer = identity().verify_sign_up(org_id(), token, client_ip(), user_agent())
        except ServiceProblem as problem:
            if problem.status in (404, 409):
                return invalid(problem.detail, problem.status)
            raise
        start_session(answer)
        flash(_("Your address is confirmed and your account is ready."), "success")
        return redirect(home_url(answer))
    return render_template("public/signup/verify.html", form=form), page_status(form, 200)
