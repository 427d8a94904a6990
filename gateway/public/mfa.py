"""The second step of signing in: a code from the authenticator app or a recovery code,
and setting up an authenticator (staff always, contacts where the org asks). These pages
answer a session that still owes its MFA step (`@pending_mfa`)."""
from __future__ import annotations

import base64

from flask import Blueprint, flash, redirect, render_template, request

from gateway.clients.base import ServiceProblem
from gateway.public.forms import CodeForm, EnrolForm, RecoveryForm
from gateway.web.access import pending_mfa
from gateway.web.account import page_status, signin_url
from gateway.web.context import (current_session, drop_session, home_url, identity, org_id, pending_step,
                                 principal, session_token, start_session, step_url)
from gateway.web.forms import apply_problem
from gateway.web.security import rate_limited

bp = Blueprint("public_mfa", __name__)


def _session_ended(problem: ServiceProblem):
    """identity ended the session (e.g. too many wrong codes): back to sign-in, with its reason."""
    kind = principal().get("kind")
    drop_session()
    flash(problem.detail, "error")
    return redirect(signin_url(kind))


def _code_page(template_mode: str, form, verify):
    session = current_session()
    if pending_step(session) != "mfa":
        return redirect(home_url(session))
    messages: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            answer = verify(org_id(), session_token(), form.code.data.replace(" ", "").strip())
        except ServiceProblem as problem:
            if problem.status == 401:
                return _session_ended(problem)
            messages = apply_problem(form, problem)
            status = problem.status if problem.status in (422, 429) else 400
        else:
            start_session(answer)
            return redirect(home_url(answer))
    page = render_template("public/mfa/mfa.html", form=form, mode=template_mode, messages=messages)
    return page, page_status(form, status)


@bp.route("/signin/mfa", methods=["GET", "POST"])
@rate_limited("mfa")
@pending_mfa
def mfa():
    return _code_page("code", CodeForm(), identity().verify_mfa)


@bp.route("/signin/recovery", methods=["GET", "POST"])
@rate_limited("mfa")
@pending_mfa
def recovery():
    return _code_page("recovery", RecoveryForm(), identity().use_recovery_code)


def _qr_base64(qr_svg: str) -> str:
    return base64.b64encode(qr_svg.encode()).decode()


@bp.route("/mfa/enrol", methods=["GET", "POST"])
@rate_limited("mfa")
@pending_mfa
def enrol():
    session = current_session()
    if pending_step(session) == "mfa":
        return redirect(step_url("mfa"))     # a password alone never sets up a new authenticator
    form = EnrolForm()
    messages: list[str] = []
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                answer = identity().confirm_enrolment(org_id(), session_token(), form.code.data.replace(" ", ""))
            except ServiceProblem as problem:
                if problem.status == 401:
                    return _session_ended(problem)
                messages = apply_problem(form, problem)
                status = problem.status if problem.status in (422, 429) else 400
            else:
                codes = answer.get("recovery_codes") or []
                start_session(answer)
                return render_template("public/mfa/recovery_codes.html", codes=codes, continue_url=home_url(answer))
    if not (form.secret.data and form.qr.data) or form.secret.errors or form.qr.errors:
        pending = identity().start_enrolment(org_id(), session_token())
        form.secret.data, form.qr.data = pending["secret"], _qr_base64(pending["qr_svg"])
        form.secret.errors, form.qr.errors = [], []
    return render_template("public/mfa/enrol.html", form=form, messages=messages, secret=form.secret.data,
                           qr=form.qr.data), page_status(form, status)
