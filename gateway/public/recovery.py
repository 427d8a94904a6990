"""A password reset by e-mail for people who cannot sign in (contacts at /reset, staff at
/console/reset; the mailed link /reset/<token> serves both). Self sign-up is signup.py.

The mailed links point at this request's own scheme and host: the org was found by that
host, so a made-up Host header meets a 404 before any mail is asked for. Asking for a reset
always shows the same page, whatever the address.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from gateway.clients.base import ServiceProblem
from gateway.public.forms import NewPasswordForm, ResetRequestForm
from gateway.web.access import public
from gateway.web.account import closed_page, page_status
from gateway.web.context import (MAX_TOKEN_LENGTH, client_ip, forget_login, home_url, identity, link_base, org_id,
                                 settings, start_session, user_agent)
from gateway.web.forms import apply_problem
from gateway.web.security import rate_limited

bp = Blueprint("public_recovery", __name__)

RESET_INVALID = _l("This reset link is not valid any more.")


def portal_open() -> bool:
    return bool(settings().get("portal_enabled", False))


def link_invalid(message: str, again_url: str, again_label: str, status: int = 404):
    return render_template("public/link_invalid.html", message=message, again_url=again_url,
                           again_label=again_label), status


# -- asking for a reset link ---------------------------------------------------------------------
def _reset_request_page(kind: str):
    form = ResetRequestForm()
    messages: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            identity().request_password_reset(org_id(), kind, form.email.data.strip(), link_base(), client_ip())
        except ServiceProblem as problem:
            messages = apply_problem(form, problem)
            status = problem.status if problem.status in (422, 429) else 400
        else:
            return render_template("public/recovery/reset_sent.html", kind=kind)
    page = render_template("public/recovery/reset_request.html", form=form, kind=kind, messages=messages)
    return page, page_status(form, status)


@bp.route("/reset", methods=["GET", "POST"])
@rate_limited("recovery")
@public
def reset_request():
    if not portal_open():
        return closed_page()
    return _reset_request_page("contact")


@bp.route("/console/reset", methods=["GET", "POST"])
@rate_limited("recovery")
@public
def console_reset_request():
    return _reset_request_page("staff")


# -- the mailed reset link ----------------------------------------------------------------------
@bp.route("/reset/<token>", methods=["GET", "POST"])
@rate_limited("recovery")
@public
def reset(token: str):
    def invalid(message: str = RESET_INVALID):
        return link_invalid(message, url_for("public_recovery.reset_request"), _("Ask for a new link"))
    if len(token) > MAX_TOKEN_LENGTH:
        return invalid()
    try:
        found = identity().lookup_password_reset(org_id(), token)
    except ServiceProblem as problem:
        if problem.status == 404:
            return invalid(problem.detail)
        raise
    if found.get("kind") != "staff" and not portal_open():
        return closed_page()
    form = NewPasswordForm()
    messages: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            answer = identity().accept_password_reset(org_id(), token, form.password.data, client_ip(), user_agent())
        except ServiceProblem as problem:
            if problem.status == 404:
                return invalid(problem.detail)
            messages = apply_problem(form, problem)
            status = problem.status if problem.status in (422, 429) else 400
        else:
            forget_login(answer["principal"]["id"])         # identity ended every other session
            start_session(answer)
            flash(_("Your new password is set. You were signed out everywhere else."), "success")
            return redirect(home_url(answer))
    page = render_template("public/recovery/reset.html", form=form, email=found.get("email"), messages=messages)
    return page, page_status(form, status)
