"""The console's custom domains page (owners and admins): add a domain of the org's own, see
the DNS TXT record that proves the org holds it (name and value, to copy into the DNS
provider's form) and where to point the domain, "Check now" (identity asks DNS), remove it.

A domain is served only once identity found its record (identity's by-host lookup answers
nothing for a pending one); the last check's outcome is worded here, in the reader's
language, from identity's code for it."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from gateway.clients.base import ServiceProblem
from gateway.web.access import MANAGERS, console
from gateway.web.context import gateway, identity, org_id
from gateway.web.forms import apply_problem
from gateway.web.refusals import flash_refusal

bp = Blueprint("console_domains", __name__, url_prefix="/console")


class DomainForm(FlaskForm):
    domain = StringField(_l("Domain name"), validators=[DataRequired(_l("Enter the domain name.")), Length(max=253)],
                         render_kw={"autocomplete": "off", "spellcheck": "false", "inputmode": "url"})


def checked(domain: dict) -> dict | None:
    """The last check with its moment as ISO 8601 (the `moment` filter words it)."""
    last = domain.get("last_check")
    if not last:
        return None
    return {**last, "at": datetime.fromtimestamp(last["checked_at"], timezone.utc).isoformat(timespec="seconds")}


def check_sentence(domain: dict) -> str:
    """What "Check now" looked up and what it found, as one plain sentence."""
    last, name = domain["last_check"], domain["record"]["name"]
    found = ", ".join(last.get("found") or [])
    if last["outcome"] == "verified":
        return _("The TXT record at %(name)s was found: the domain is verified.", name=name)
    if last["outcome"] == "no_name":
        return _("We looked up a TXT record at %(name)s and found nothing: that name does not exist in DNS yet.",
                 name=name)
    if last["outcome"] == "no_record":
        return _("We looked up a TXT record at %(name)s: the name exists but has no TXT record.", name=name)
    if last["outcome"] == "mismatch":
        return _("We looked up the TXT record at %(name)s and found %(found)s, not the value below.",
                 name=name, found=found)
    return _("We looked up a TXT record at %(name)s but DNS did not answer in time. Try again in a few minutes.",
             name=name)


def _page(form: DomainForm, messages: list[str], status: int = 200):
    domains = identity().list_domains(org_id())
    return render_template("console/domains/domains.html", form=form, messages=messages, domains=domains,
                           checked=checked, check_sentence=check_sentence), status


@bp.route("/domains", methods=["GET", "POST"])
@console(roles=MANAGERS)
def domains():
    form = DomainForm()
    if request.method == "GET":
        return _page(form, [])
    if not form.validate():
        return _page(form, [], 400)
    try:
        added = identity().add_domain(org_id(), form.domain.data.strip())
    except ServiceProblem as problem:
        return _page(form, apply_problem(form, problem), problem.status if problem.status in (409, 422) else 400)
    flash(_("%(domain)s was added. Create the TXT record shown below, then choose Check now.",
            domain=added["domain"]), "success")
    return redirect(url_for("console_domains.domains"))


@bp.post("/domains/<domain>/check")
@console(roles=MANAGERS)
def check_domain(domain: str):
    try:
        answer = identity().check_domain(org_id(), domain)
    except ServiceProblem as problem:
        flash_refusal(problem)
    else:
        if answer["status"] == "verified":
            gateway().orgs.drop(answer["domain"])        # a "no portal here" kept from before
            flash(_("%(domain)s is verified: your portal is now served at it.", domain=answer["domain"]), "success")
        else:
            flash(check_sentence(answer), "error")
    return redirect(url_for("console_domains.domains"))


@bp.post("/domains/<domain>/remove")
@console(roles=MANAGERS)
def remove_domain(domain: str):
    try:
        identity().remove_domain(org_id(), domain)
    except ServiceProblem as problem:
        flash_refusal(problem)
    else:
        gateway().orgs.drop(domain.lower())             # here at once; other processes within their cache time
        flash(_("%(domain)s was removed: your portal is no longer served at it.", domain=domain), "success")
    return redirect(url_for("console_domains.domains"))
