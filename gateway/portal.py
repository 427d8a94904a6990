"""The customer portal's pages, and the sign-in/MFA pages staff share with it.

Every view carries one access declaration (gateway/access.py). Pages are plain
server-rendered forms that work with JavaScript off.
"""
from __future__ import annotations

import base64

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from gateway.access import (MODULE_LABELS, MODULES, client_ip, current_session, drop_session, forget_login,
                            forget_session_cache, home_url, identity, local_path, module_path, nav_modules, org_id,
                            pending_mfa, pending_step, portal, principal, public, session_token, settings,
                            start_session, step_url, user_agent)
from gateway.forms import (CodeForm, EnrolForm, InviteForm, PasswordForm, ProfileForm, RecoveryForm, SignInForm,
                           apply_problem)
from gateway.identity import ServiceProblem
from gateway.security import rate_limited

bp = Blueprint("portal", __name__)

MAX_INVITATION_TOKEN = 512


def signin_url(kind: str | None) -> str:
    return url_for("console.signin") if kind == "staff" else url_for("portal.signin")


def closed_page():
    return render_template("portal/closed.html"), 503


def page_status(form, status: int) -> int:
    """A form sent back with errors of its own (not identity's) answers 400."""
    return 400 if status == 200 and form.errors else status


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
    page = render_template("signin.html", form=form, kind=kind, messages=messages)
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
    page = render_template("mfa.html", form=form, mode=template_mode, messages=messages)
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
                return render_template("recovery_codes.html", codes=codes, continue_url=home_url(answer))
    if not (form.secret.data and form.qr.data) or form.secret.errors or form.qr.errors:
        pending = identity().start_enrolment(org_id(), session_token())
        form.secret.data, form.qr.data = pending["secret"], _qr_base64(pending["qr_svg"])
        form.secret.errors, form.qr.errors = [], []
    return render_template("enrol.html", form=form, messages=messages, secret=form.secret.data,
                           qr=form.qr.data), page_status(form, status)


# -- invitations ----------------------------------------------------------------------------
@bp.route("/invite/<token>", methods=["GET", "POST"])
@rate_limited("invite")
@public
def invitation(token: str):
    invalid = "This invitation link is not valid any more."
    if len(token) > MAX_INVITATION_TOKEN:
        return render_template("portal/invite_invalid.html", message=invalid), 404
    try:
        invited = identity().lookup_invitation(org_id(), token)
    except ServiceProblem as problem:
        if problem.status == 404:
            return render_template("portal/invite_invalid.html", message=problem.detail), 404
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
                return render_template("portal/invite_invalid.html", message=problem.detail), 404
            messages = apply_problem(form, problem)
            status = problem.status if problem.status in (422, 429) else 400
        else:
            start_session(answer)
            return redirect(home_url(answer))
    page = render_template("portal/invite.html", form=form, invited=invited, messages=messages)
    return page, page_status(form, status)


# -- the signed-in portal --------------------------------------------------------------------
@bp.get("/")
@portal()
def dashboard():
    return render_template("portal/dashboard.html", person=principal(), modules=nav_modules())


def _module_page(module: str):
    def page():
        return render_template("portal/coming_soon.html", module=module, label=MODULE_LABELS[module])
    page.__name__ = page.__qualname__ = f"module_{module}"
    return page


BUILT = ("invoices", "credit_notes", "tickets", "reviews")   # modules with pages of their own (portal_billing.py,
#                                                             portal_credits.py, portal_tickets.py)
for _module in (m for m in MODULES if m not in BUILT):
    bp.add_url_rule(module_path(_module), endpoint=_module,
                    view_func=portal(module=_module, permission="view")(_module_page(_module)))


@bp.route("/profile", methods=["GET", "POST"])
@portal()
def profile():
    person = principal()
    form = ProfileForm()
    messages: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            identity().update_profile(org_id(), person["id"], form.changes())
        except ServiceProblem as problem:
            messages = apply_problem(form, problem)
            status = problem.status if problem.status in (409, 422) else 400
        else:
            forget_session_cache()           # the new name shows at once
            flash("Profile saved.", "success")
            return redirect(url_for("portal.profile"))
    elif request.method == "GET":
        form.fill(identity().get_profile(org_id(), person["id"]))
    page = render_template("portal/profile.html", form=form, messages=messages, person=person)
    return page, page_status(form, status)


def password_page(done_url: str):
    """Change password (contacts here, staff in the console): a new token, other sessions end."""
    form = PasswordForm()
    messages: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            answer = identity().change_password(org_id(), session_token(), form.current_password.data,
                                                form.new_password.data)
        except ServiceProblem as problem:
            messages = apply_problem(form, problem)
            status = problem.status if problem.status in (401, 403, 422, 429) else 400
        else:
            forget_login(principal()["id"])          # the other sessions ended
            start_session(answer)
            flash("Your password was changed. You were signed out on your other devices.", "success")
            return redirect(done_url)
    return render_template("password.html", form=form, messages=messages), page_status(form, status)


@bp.route("/password", methods=["GET", "POST"])
@portal()
def password():
    return password_page(url_for("portal.dashboard"))


# -- signing out -----------------------------------------------------------------------------
@bp.post("/signout")
@public
def signout():
    """Works in every state (also half-way through MFA) and without a session."""
    kind = principal().get("kind") if current_session() else None
    _end_quietly(session_token())                # already ended elsewhere: the outcome is the same
    drop_session()
    flash("You are signed out.", "success")
    return redirect(signin_url(kind))


def sign_out_everywhere():
    """Ends every session of this person, this one included (a lost phone should not keep
    a session alive anywhere, and the person can simply sign in again here)."""
    person = principal()
    identity().revoke_all(org_id(), person["id"])
    forget_login(person["id"])
    drop_session()
    flash("You were signed out on every device, this one included.", "success")
    return redirect(signin_url(person.get("kind")))


@bp.post("/signout/everywhere")
@portal()
def signout_everywhere():
    return sign_out_everywhere()


@bp.app_context_processor
def page_context():
    """What every template may use: the org (for branding) and the navigation."""
    org = g.get("org")
    view = g.get("session_view")
    person = (view or {}).get("principal") or {}
    signed_in = view is not None and pending_step(view) is None
    return {"org": org, "person": person if view else {}, "signed_in": signed_in,
            "pending": view is not None and not signed_in,
            "nav": nav_modules() if signed_in and org else [],
            "module_labels": MODULE_LABELS, "module_path": module_path}
