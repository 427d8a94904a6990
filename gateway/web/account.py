"""Account pages the portal and the console share: changing the password and signing out
everywhere, and the small helpers of every identity form page."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from gateway.clients.base import ServiceProblem
from gateway.web.context import (drop_session, forget_login, identity, org_id, principal, session_token,
                                 start_session)
from gateway.web.forms import PasswordForm, apply_problem


def signin_url(kind: str | None) -> str:
    return url_for("public_signin.console_signin") if kind == "staff" else url_for("public_signin.signin")


def closed_page():
    return render_template("portal/closed.html"), 503


def page_status(form, status: int) -> int:
    """A form sent back with errors of its own (not identity's) answers 400."""
    return 400 if status == 200 and form.errors else status


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
            flash(_("Your password was changed. You were signed out on your other devices."), "success")
            return redirect(done_url)
    return render_template("password.html", form=form, messages=messages), page_status(form, status)


def sign_out_everywhere():
    """Ends every session of this person, this one included (a lost phone should not keep
    a session alive anywhere, and the person can simply sign in again here)."""
    person = principal()
    identity().revoke_all(org_id(), person["id"])
    forget_login(person["id"])
    drop_session()
    flash(_("You were signed out on every device, this one included."), "success")
    return redirect(signin_url(person.get("kind")))
