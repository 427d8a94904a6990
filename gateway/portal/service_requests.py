"""The portal's service requests: the customer's requests (filter by status, cursor pages),
raising one, and each request's page with its status, priority, the assignee's name, the
conversation of updates, a form to add one, and its files (documents, subject
"service_request": the contact attaches theirs and sees staff's).

Module "service_requests": `view` reads, `submit_tickets` raises and writes. orders decides
what the contact may see with their own token (another customer's request is a 404) and
says its refusals (a closed request, an empty update) in words, shown on the page.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import LazyString, format_number, gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from gateway.clients.base import ServiceProblem
from gateway.portal.documents import subject_files
from gateway.web.access import portal
from gateway.web.context import customer_id, org_id, orders, principal
from gateway.web.refusals import refused
from gateway.web.service_requests import MAX_DESCRIPTION, MAX_UPDATE, PRIORITY_LABELS, STATUS_LABELS
from gateway.web.tickets import form_errors

bp = Blueprint("portal_service_requests", __name__)

PAGE_SIZE = 25
SAID = (400, 409, 422)
FILTERS = {"open": _l("Open"), **STATUS_LABELS}
# The category is kept in English (the value the team sees and filters by); the reader sees its label.
CATEGORY_LABELS = {"Repair": _l("Repair"), "Installation": _l("Installation"), "Maintenance": _l("Maintenance"),
                   "Visit": _l("Visit"), "Other": _l("Other")}
CATEGORIES = ("", *CATEGORY_LABELS)


class RequestForm(FlaskForm):
    subject = StringField(_l("Subject"), validators=[DataRequired(_l("Give the request a subject.")), Length(max=200)],
                          render_kw={"maxlength": "200"})
    description = TextAreaField(_l("Describe what you need"), validators=[
        DataRequired(_l("Describe what you need: an empty request cannot be answered.")),
        Length(max=MAX_DESCRIPTION, message=_l("A description is at most %(count)s characters.",
                                               count=LazyString(format_number, MAX_DESCRIPTION)))],
        render_kw={"rows": "6", "maxlength": str(MAX_DESCRIPTION)})
    category = SelectField(_l("Category"), choices=[SelectChoice(c, CATEGORY_LABELS[c] if c else _l("Choose (optional)"))
                                                    for c in CATEGORIES],
                           validators=[Optional()])
    priority = SelectField(_l("Priority"), choices=[SelectChoice(k, v) for k, v in PRIORITY_LABELS.items()],
                           default="normal")


class UpdateForm(FlaskForm):
    text = TextAreaField(_l("Add an update"), validators=[
        DataRequired(_l("Write something first: an empty update is not sent.")),
        Length(max=MAX_UPDATE, message=_l("An update is at most %(count)s characters.",
                                          count=LazyString(format_number, MAX_UPDATE)))],
        render_kw={"rows": "3", "maxlength": str(MAX_UPDATE)})


def may_submit() -> bool:
    return "submit_tickets" in (principal().get("permissions") or [])


def words() -> dict:
    return {"status_labels": STATUS_LABELS, "priority_labels": PRIORITY_LABELS, "category_labels": CATEGORY_LABELS}


@bp.get("/service-requests")
@portal(module="service_requests", permission="view")
def service_requests():
    status = request.args.get("status") if request.args.get("status") in FILTERS else None
    cursor = (request.args.get("cursor") or "")[:400] or None
    messages: list[str] = []
    load = lambda c: orders().service_requests(org_id(), customer_id(),   # noqa: E731
                                               {"status": status, "cursor": c, "limit": PAGE_SIZE})
    try:
        page = load(cursor)
    except ServiceProblem as problem:           # an old page link
        if problem.status not in (400, 422):
            raise
        messages, cursor, page = [problem.detail], None, load(None)
    query = {"status": status} if status else {}
    next_url = url_for("portal_service_requests.service_requests", cursor=page["next_cursor"], **query) \
        if page.get("next_cursor") else None
    return render_template("portal/service_requests/list.html", page=page, status=status, query=query, cursor=cursor,
                           next_url=next_url, messages=messages, filters=FILTERS, may_submit=may_submit(), **words())


@bp.route("/service-requests/new", methods=["GET", "POST"])
@portal(module="service_requests", permission="submit_tickets")
def new_service_request():
    form = RequestForm()
    messages: list[str] = []
    if form.validate_on_submit():
        try:
            made = orders().raise_service_request(org_id(), customer_id(), {
                "subject": form.subject.data, "description": form.description.data,
                "priority": form.priority.data, "category": form.category.data or None})
        except ServiceProblem as problem:
            if problem.status not in SAID:
                raise
            messages = [m for errors in problem.errors.values() for m in errors] or [problem.detail]
        else:
            flash(_("Request %(number)s is raised: the team has been told.", number=made["number"]), "success")
            return redirect(url_for("portal_service_requests.service_request",
                                    request_id=made["service_request_id"]))
    status = 422 if form.errors or messages else 200
    return render_template("portal/service_requests/new.html", form=form, messages=messages), status


@bp.get("/service-requests/<request_id>")
@portal(module="service_requests", permission="view")
def service_request(request_id: str):
    found = orders().service_request(org_id(), customer_id(), request_id)
    can_write = may_submit() and found["status"] != "closed"
    return render_template("portal/service_requests/request.html", sr=found,
                           form=UpdateForm(formdata=None) if can_write else None, may_submit=may_submit(),
                           **subject_files("service_request", request_id, may_attach=can_write), **words())


@bp.post("/service-requests/<request_id>/updates")
@portal(module="service_requests", permission="submit_tickets")
def add_update(request_id: str):
    form = UpdateForm()
    back = url_for("portal_service_requests.service_request", request_id=request_id, _anchor="updates")
    if not form.validate_on_submit():
        flash(form_errors(form) or _("The form expired. Please try again."), "error")
        return redirect(back)
    try:
        orders().add_service_request_update(org_id(), customer_id(), request_id, form.text.data)
    except ServiceProblem as problem:
        return refused(problem, back, SAID)
    flash(_("Your update is added. The team has been told."), "success")
    return redirect(back)
