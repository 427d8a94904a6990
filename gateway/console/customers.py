"""The console's customers, their contacts and their access. Owners and admins change
permissions, reset MFA and sign contacts out; agents may look and invite."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from gateway.clients.base import ServiceProblem
from gateway.console.forms import ContactAccessForm, ContactForm, CustomerForm, ModulesForm
from gateway.web.access import MANAGERS, MODULES, console
from gateway.web.context import forget_login, identity, link_base, org_id, principal, settings
from gateway.web.forms import apply_problem
from gateway.web.labels import PERMISSION_LABELS
from gateway.web.refusals import flash_refusal

bp = Blueprint("console_customers", __name__, url_prefix="/console")

CUSTOMERS_PER_PAGE = 50
NOT_THEIR_CONTACT = _l("This customer has no such contact.")
STATUS_LABELS = {"created": _l("Not invited yet"), "invited": _l("Invited"), "active": _l("Active"),
                 "disabled": _l("Disabled")}


@bp.route("/customers", methods=["GET", "POST"])
@console()
def customers():
    form = CustomerForm()
    messages: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            customer = identity().create_customer(org_id(), **form.details())
        except ServiceProblem as problem:
            messages = apply_problem(form, problem)
            status = problem.status if problem.status in (409, 422) else 400
        else:
            flash(_("Customer %(name)s created.", name=customer.get("name", "")), "success")
            return redirect(url_for("console_customers.customer", customer_id=customer["customer_id"]))
    elif request.method == "POST":
        status = 400
    q = (request.args.get("q") or "").strip()[:200] or None
    after = (request.args.get("after") or "")[:600] or None
    try:
        found, next_page = identity().find_customers(org_id(), q, after, CUSTOMERS_PER_PAGE)
    except ServiceProblem as problem:               # a stale or edited page link: start again
        if problem.status not in (400, 422):
            raise
        found, next_page = identity().find_customers(org_id(), q, None, CUSTOMERS_PER_PAGE)
    return render_template("console/customers/customers.html", form=form, messages=messages, customers=found,
                           q=q, after=after, next_page=next_page), status


def _org_modules() -> list[str]:
    return list(settings().get("modules") or [])


def _contact_forms(contacts: list[dict]) -> dict[str, ContactAccessForm]:
    forms = {}
    for contact in contacts:
        form = ContactAccessForm(prefix=f"c-{contact['contact_id']}", formdata=None)
        form.permissions.data = list(contact.get("permissions") or [])
        forms[contact["contact_id"]] = form.offer(_org_modules(), contact.get("modules"))
    return forms


def _customer_page(customer_id: str, contact_form: ContactForm, messages: list[str], status: int = 200,
                   details_form: CustomerForm | None = None, details_messages: list[str] = ()):
    customer = identity().get_customer(org_id(), customer_id)
    contacts = identity().list_contacts(org_id(), customer_id)
    if details_form is None:
        details_form = CustomerForm(formdata=None, prefix="details")
        details_form.fill(customer)
    modules_form = ModulesForm(formdata=None, prefix="customer").offer(_org_modules(), customer.get("modules"))
    return render_template("console/customers/customer.html", customer=customer, contacts=contacts,
                           details_form=details_form, details_messages=list(details_messages), modules_form=modules_form,
                           form=contact_form, permission_forms=_contact_forms(contacts), messages=messages,
                           status_labels=STATUS_LABELS, permission_labels=PERMISSION_LABELS,
                           may_manage=principal().get("role") in MANAGERS), status


@bp.get("/customers/<customer_id>")
@console()
def customer(customer_id: str):
    form = ContactForm(formdata=None)
    form.permissions.data = ["view"]
    return _customer_page(customer_id, form, [])


@bp.post("/customers/<customer_id>")
@console()
def update_customer(customer_id: str):
    """The customer's details: name, billing e-mail, billing address and tax id."""
    form = CustomerForm(prefix="details")
    blank_contact = ContactForm(formdata=None)
    if not form.validate():
        return _customer_page(customer_id, blank_contact, [], 400, form)
    try:
        identity().update_customer(org_id(), customer_id, form.details())
    except ServiceProblem as problem:
        messages = apply_problem(form, problem)
        return _customer_page(customer_id, blank_contact, [], problem.status if problem.status in (409, 422) else 400,
                              form, messages)
    flash(_("Customer details saved."), "success")
    return redirect(url_for("console_customers.customer", customer_id=customer_id))


@bp.post("/customers/<customer_id>/contacts")
@console()
def add_contact(customer_id: str):
    form = ContactForm()
    if not form.validate():
        return _customer_page(customer_id, form, [], 400)
    try:
        contact = identity().create_contact(org_id(), customer_id, form.email.data.strip(), form.name.data.strip(),
                                            list(form.permissions.data or []))
    except ServiceProblem as problem:
        messages = apply_problem(form, problem)
        return _customer_page(customer_id, form, messages, problem.status if problem.status in (409, 422) else 400)
    flash(_("%(name)s was added. Send the invitation when you are ready.",
            name=contact.get("name") or _("The contact")), "success")
    return redirect(url_for("console_customers.customer", customer_id=customer_id))


def _contact_action(customer_id: str, contact_id: str, action, done: str):
    """A one-button form on a contact: do it, say so, back to the customer's page. The
    contact's sessions cached here are dropped, so a change of rights applies at once.
    Only a contact of the customer in the address: with another customer's id (or another
    org's) nothing is done to the contact, as with an id that exists nowhere."""
    try:
        if identity().get_contact(org_id(), contact_id).get("customer_id") != customer_id:
            flash(str(NOT_THEIR_CONTACT), "error")
        else:
            action()
            forget_login(contact_id)
            flash(done, "success")
    except ServiceProblem as problem:
        flash_refusal(problem, raised=())
    return redirect(url_for("console_customers.customer", customer_id=customer_id))


@bp.post("/customers/<customer_id>/contacts/<contact_id>/invite")
@console()
def invite(customer_id: str, contact_id: str):
    base = link_base()
    return _contact_action(customer_id, contact_id, lambda: identity().invite(org_id(), contact_id, base),
                           _("The invitation was sent. Any earlier invitation link no longer works."))


@bp.post("/customers/<customer_id>/modules")
@console(roles=MANAGERS)
def customer_modules(customer_id: str):
    """The modules the customer's contacts may use, within the org's: every one ticked gives
    them whatever the org switches on, now and later."""
    form = ModulesForm(prefix="customer").offer(_org_modules(), None)
    if not form.validate():
        flash(_("Those modules are not switched on for the portal."), "error")
        return redirect(url_for("console_customers.customer", customer_id=customer_id))
    try:
        identity().set_customer_modules(org_id(), customer_id, form.narrowed(_org_modules()))
        contacts = identity().list_contacts(org_id(), customer_id)
    except ServiceProblem as problem:
        flash_refusal(problem, raised=())
    else:
        for contact in contacts:                 # their next page shows the change
            forget_login(contact["contact_id"])
        flash(_("Modules saved for every contact of this customer."), "success")
    return redirect(url_for("console_customers.customer", customer_id=customer_id))


@bp.post("/customers/<customer_id>/contacts/<contact_id>/permissions")
@console(roles=MANAGERS)
def permissions(customer_id: str, contact_id: str):
    form = ContactAccessForm(prefix=f"c-{contact_id}").offer(_org_modules(), None)
    if not form.validate():
        flash(_("Those permissions or modules are not known."), "error")
        return redirect(url_for("console_customers.customer", customer_id=customer_id))
    chosen = list(form.permissions.data or [])
    narrowed = form.narrowed(_org_modules())
    # every module ticked: whatever the org switches on; none offered: as they are
    modules = None if form.left_out() else list(MODULES) if narrowed is None else narrowed
    return _contact_action(customer_id, contact_id,
                           lambda: identity().set_permissions(org_id(), contact_id, chosen, modules),
                           _("Permissions saved."))


@bp.post("/customers/<customer_id>/contacts/<contact_id>/mfa-reset")
@console(roles=MANAGERS)
def reset_mfa(customer_id: str, contact_id: str):
    return _contact_action(customer_id, contact_id, lambda: identity().reset_mfa(org_id(), contact_id),
                           _("Two-step verification was reset: the contact sets it up again at the next sign-in."))


@bp.post("/customers/<customer_id>/contacts/<contact_id>/revoke")
@console(roles=MANAGERS)
def revoke(customer_id: str, contact_id: str):
    return _contact_action(customer_id, contact_id, lambda: identity().revoke_all(org_id(), contact_id),
                           _("The contact was signed out everywhere."))
