"""Pages for people who cannot sign in yet: a password reset by e-mail (contacts at /reset,
staff at /console/reset; the mailed link /reset/<token> serves both) and, where the org
allows it, self sign-up with a confirmed address (/signup, then /verify/<token>).

The mailed links point at this request's own scheme and host: the org was found by that
host, so a made-up Host header meets a 404 before any mail is asked for. Asking for a reset
always shows the same page, whatever the address. /verify/<token> only shows a button on
GET: mail scanners open links, and opening one must never create an account.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from gateway.access import (MAX_TOKEN_LENGTH, client_ip, current_session, forget_login, home_url, identity,
                            org_id, public, settings, start_session, user_agent)
from gateway.forms import ConfirmForm, NewPasswordForm, ResetRequestForm, SignUpForm, apply_problem
from gateway.identity import ServiceProblem
from gateway.portal import closed_page, page_status
from gateway.security import rate_limited

bp = Blueprint("recovery", __name__)

RESET_INVALID = "This reset link is not valid any more."
SIGNUP_INVALID = "This link is not valid any more."


def link_base() -> str:
    return request.host_url.rstrip("/")


def _portal_open() -> bool:
    return bool(settings().get("portal_enabled", False))


def _link_invalid(message: str, again_url: str, again_label: str, status: int = 404):
    return render_template("link_invalid.html", message=message, again_url=again_url,
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
            return render_template("reset_sent.html", kind=kind)
    page = render_template("reset_request.html", form=form, kind=kind, messages=messages)
    return page, page_status(form, status)


@bp.route("/reset", methods=["GET", "POST"])
@rate_limited("recovery")
@public
def reset_request():
    if not _portal_open():
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
        return _link_invalid(message, url_for("recovery.reset_request"), "Ask for a new link")
    if len(token) > MAX_TOKEN_LENGTH:
        return invalid()
    try:
        found = identity().lookup_password_reset(org_id(), token)
    except ServiceProblem as problem:
        if problem.status == 404:
            return invalid(problem.detail)
        raise
    if found.get("kind") != "staff" and not _portal_open():
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
            flash("Your new password is set. You were signed out everywhere else.", "success")
            return redirect(home_url(answer))
    page = render_template("reset.html", form=form, email=found.get("email"), messages=messages)
    return page, page_status(form, status)


# -- self sign-up -------------------------------------------------------------------------------
def _signup_open() -> None:
    """404 where the org does not offer sign-up: the page does not exist for it."""
    if not settings().get("self_signup", False):
        abort(404)


@bp.route("/signup", methods=["GET", "POST"])
@rate_limited("recovery")
@public
def signup():
    if not _portal_open():
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
            return render_template("portal/signup_sent.html", email=form.email.data.strip())
    return render_template("portal/signup.html", form=form, messages=messages), page_status(form, status)


@bp.route("/verify/<token>", methods=["GET", "POST"])
@rate_limited("recovery")
@public
def verify(token: str):
    if not _portal_open():
        return closed_page()
    _signup_open()

    def invalid(message: str = SIGNUP_INVALID, status: int = 404):
        return _link_invalid(message, url_for("recovery.signup"), "Sign up again", status)
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
        flash("Your address is confirmed and your account is ready.", "success")
        return redirect(home_url(answer))
    return render_template("portal/verify.html", form=form), page_status(form, 200)
