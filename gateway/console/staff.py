"""The console's staff page (owners and admins): the team, invitations by mail, roles,
removal. identity enforces the rules (only owners touch owners, an org keeps an active
owner, nobody removes themselves); its refusals come back as sentences."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from gateway.clients.base import ServiceProblem
from gateway.console.forms import ROLE_LABELS, RoleForm, StaffForm
from gateway.web.access import MANAGERS, console
from gateway.web.context import forget_login, identity, link_base, org_id, principal
from gateway.web.forms import apply_problem
from gateway.web.refusals import flash_refusal

bp = Blueprint("console_staff", __name__, url_prefix="/console")
STATUS_LABELS = {"created": _l("Not invited yet"), "invited": _l("Invited"), "active": _l("Active"),
                 "removed": _l("Removed")}


def _page(form: StaffForm, messages: list[str], status: int = 200):
    team = identity().list_staff(org_id())
    roles = {}
    for member in team:
        roles[member["staff_id"]] = RoleForm(prefix=f"s-{member['staff_id']}", formdata=None, role=member["role"])
    return render_template("console/staff/staff.html", form=form, messages=messages, team=team, roles=roles,
                           me=principal().get("id"), role_labels=ROLE_LABELS,
                           status_labels=STATUS_LABELS), status


@bp.route("/staff", methods=["GET", "POST"])
@console(roles=MANAGERS)
def staff():
    form = StaffForm()
    if not form.validate_on_submit():
        return _page(form, [], 400 if request.method == "POST" else 200)
    try:
        member = identity().create_staff(org_id(), form.email.data.strip(), form.name.data.strip(), form.role.data)
        identity().invite_staff(org_id(), member["staff_id"], link_base())
    except ServiceProblem as problem:
        return _page(form, apply_problem(form, problem), problem.status if problem.status in (403, 409, 422) else 400)
    flash(_("%(name)s was invited by e-mail.", name=member["name"]), "success")
    return redirect(url_for("console_staff.staff"))


def _action(staff_id: str, action, done: str):
    try:
        action()
    except ServiceProblem as problem:
        flash_refusal(problem)                  # 404: another org's id, or gone: the 404 page
    else:
        forget_login(staff_id)                  # a new role or a removal applies here at once
        flash(done, "success")
    return redirect(url_for("console_staff.staff"))


@bp.post("/staff/<staff_id>/invite")
@console(roles=MANAGERS)
def reinvite(staff_id: str):
    base = link_base()
    return _action(staff_id, lambda: identity().invite_staff(org_id(), staff_id, base),
                   _("The invitation was sent again. Any earlier link no longer works."))


@bp.post("/staff/<staff_id>/role")
@console(roles=MANAGERS)
def change_role(staff_id: str):
    form = RoleForm(prefix=f"s-{staff_id}")
    if not form.validate():
        flash(_("That role is not known."), "error")
        return redirect(url_for("console_staff.staff"))
    return _action(staff_id, lambda: identity().change_staff_role(org_id(), staff_id, form.role.data),
                   _("The role is now %(role)s.", role=ROLE_LABELS[form.role.data]))


@bp.post("/staff/<staff_id>/remove")
@console(roles=MANAGERS)
def remove(staff_id: str):
    return _action(staff_id, lambda: identity().remove_staff(org_id(), staff_id),
                   _("The staff member was removed and signed out everywhere."))
