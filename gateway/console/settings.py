"""The org's portal settings (modules, switches, brand colour) and its logo: owners and admins."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from gateway.clients.base import ServiceProblem
from gateway.console.forms import LogoForm, SettingsForm
from gateway.web.access import MANAGERS, SWITCHES, console
from gateway.web.context import gateway, identity, org_id, request_host, settings
from gateway.web.forms import apply_problem
from gateway.web.labels import MODULE_LABELS, SWITCH_LABELS

bp = Blueprint("console_settings", __name__, url_prefix="/console")

LOGO_READ_LIMIT = 512 * 1024      # identity refuses over 256 KB with the size; no more is read


@bp.route("/settings", methods=["GET", "POST"])
@console(roles=MANAGERS)
def portal_settings():
    form = SettingsForm()
    messages: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            org = identity().change_settings(org_id(), form.changes(settings()))
        except ServiceProblem as problem:
            messages = apply_problem(form, problem)
            status = problem.status if problem.status in (409, 422) else 400
        else:
            settings_saved(org, _("Settings saved."))
            return redirect(url_for("console_settings.portal_settings"))
    elif request.method == "POST":
        status = 400
    else:
        form.fill(settings())
    return _settings_page(form, LogoForm(formdata=None), messages, status)


def _settings_page(form, logo_form, messages, status):
    return render_template("console/settings/settings.html", form=form, logo_form=logo_form, messages=messages,
                           switches=SWITCHES, switch_labels=SWITCH_LABELS, module_labels=MODULE_LABELS), status


def settings_saved(org: dict, message: str) -> None:
    gateway().orgs.put(request_host(), org)       # this process shows the change at once
    g.org = org
    flash(message, "success")


@bp.post("/settings/logo")
@console(roles=MANAGERS)
def upload_logo():
    logo_form = LogoForm()
    messages: list[str] = []
    if logo_form.validate_on_submit():
        try:
            identity().put_logo(org_id(), logo_form.logo.data.read(LOGO_READ_LIMIT))
        except ServiceProblem as problem:
            messages = apply_problem(logo_form, problem)
        else:
            settings_saved(identity().org(org_id()), _("Logo saved."))
            return redirect(url_for("console_settings.portal_settings"))
    form = SettingsForm(formdata=None)
    form.fill(settings())
    return _settings_page(form, logo_form, messages, 422 if messages or logo_form.errors else 400)


@bp.post("/settings/logo/remove")
@console(roles=MANAGERS)
def remove_logo():
    identity().delete_logo(org_id())
    settings_saved(identity().org(org_id()), _("Logo removed."))
    return redirect(url_for("console_settings.portal_settings"))
