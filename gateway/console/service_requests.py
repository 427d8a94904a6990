"""The console's service requests: every request of the org (by status, priority, customer,
assignee; cursor pages), and each request's page, where staff move its status, set its
priority, assign it to a member of the team (their display name is what the customer sees),
post an update the customer reads, and see both sides' files and attach one for the customer
(console/subject_files.py: the subject service_request/<id>).

orders decides every rule with the staff member's own token; its refusals (409, 422) come back
as a flash message on the request's page (post/redirect/get). Another org's request is a 404."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from gateway.console import subject_files
from gateway.console.invoices import _customers
from gateway.console.lists import cursor_page, next_url
from gateway.console.orders import send_form
from gateway.console.tickets import team
from gateway.web.access import console
from gateway.web.files import accepts_files
from gateway.web.context import documents, org_id, orders
from gateway.web.service_requests import MAX_UPDATE, PRIORITY_LABELS, STAFF_STATUS_LABELS

bp = Blueprint("console_service_requests", __name__, url_prefix="/console")

PAGE_SIZE = 50
SUBJECT = "service_request"


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[SelectChoice(k, v) for k, v in STAFF_STATUS_LABELS.items()])


class PriorityForm(FlaskForm):
    priority = SelectField(_l("Priority"), choices=[SelectChoice(k, v) for k, v in PRIORITY_LABELS.items()])


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Looked after by"), choices=[], validate_choice=False)


class UpdateForm(FlaskForm):
    text = TextAreaField(_l("Update for the customer"), validators=[
        DataRequired(_l("Write the update first.")),
        Length(max=MAX_UPDATE, message=_l("An update is at most %(most)s characters.", most="{:,}".format(MAX_UPDATE)))],
        render_kw={"rows": "4", "maxlength": str(MAX_UPDATE)})


def _back(request_id: str):
    return redirect(url_for("console_service_requests.service_request", request_id=request_id))


def _act(request_id: str, form, action, done: str):
    """Send one of the request page's forms: flash what happened (or orders' refusal), back."""
    send_form(form, action, done)
    return _back(request_id)


@bp.get("/service-requests")
@console()
def service_requests():
    args = request.args
    filters = {"status": args.get("status") if args.get("status") in (*STAFF_STATUS_LABELS, "open") else None,
               "priority": args.get("priority") if args.get("priority") in PRIORITY_LABELS else None,
               "customer_id": (args.get("customer_id") or "").strip()[:64] or None,
               "assignee_id": (args.get("assignee_id") or "").strip()[:64] or None}
    page, cursor, messages = cursor_page(lambda query: orders().staff_service_requests(org_id(), query), filters,
                                         (args.get("cursor") or "")[:400] or None, PAGE_SIZE)
    query = {k: v for k, v in filters.items() if v}
    return render_template("console/service_requests/list.html", page=page, filters=filters, query=query,
                           cursor=cursor, messages=messages, team=team(),
                           next_url=next_url("console_service_requests.service_requests", page, query),
                           customers=_customers({r["customer_id"] for r in page["items"]}),
                           status_labels={"open": _("Open"), **STAFF_STATUS_LABELS}, priority_labels=PRIORITY_LABELS)


@bp.get("/service-requests/<request_id>")
@console()
def service_request(request_id: str):
    found = orders().staff_service_request(org_id(), request_id)
    assign = AssignForm(formdata=None, assignee=found.get("assignee_id") or "")
    assign.assignee.choices = [SelectChoice("", _("Nobody"))] + [
        SelectChoice(m["staff_id"], m.get("name") or m.get("email")) for m in team()]
    open_ = found["status"] != "closed"
    return render_template(
        "console/service_requests/request.html", sr=found,
        files=subject_files.attachments(SUBJECT, request_id),
        file_form=subject_files.AttachForm(formdata=None) if open_ else None,
        customer=_customers({found["customer_id"]}).get(found["customer_id"]),
        status_form=StatusForm(formdata=None, status=found["status"]) if open_ else None,
        priority_form=PriorityForm(formdata=None, priority=found["priority"]) if open_ else None,
        assign_form=assign if open_ else None, update_form=UpdateForm(formdata=None) if open_ else None,
        status_labels=STAFF_STATUS_LABELS, priority_labels=PRIORITY_LABELS)


@bp.post("/service-requests/<request_id>/status")
@console()
def status(request_id: str):
    return _act(request_id, StatusForm(),
                lambda f: orders().change_service_request(org_id(), request_id, {"status": f.status.data}),
                _("Status changed: the customer has been told."))


@bp.post("/service-requests/<request_id>/priority")
@console()
def priority(request_id: str):
    return _act(request_id, PriorityForm(),
                lambda f: orders().change_service_request(org_id(), request_id, {"priority": f.priority.data}),
                _("Priority changed."))


@bp.post("/service-requests/<request_id>/assign")
@console()
def assign(request_id: str):
    form = AssignForm()
    chosen = [m for m in team() if m["staff_id"] == form.assignee.data]
    if form.assignee.data and not chosen:
        flash(_("Choose someone of your team."), "error")
        return _back(request_id)
    name = (chosen[0].get("name") or chosen[0].get("email")) if chosen else None
    return _act(request_id, form, lambda f: orders().change_service_request(
        org_id(), request_id, {"assignee_id": f.assignee.data or None, "assignee_name": name}),
        _("Assigned to %(name)s.", name=name) if name else _("Nobody is assigned now."))


@bp.post("/service-requests/<request_id>/updates")
@console()
def post_update(request_id: str):
    return _act(request_id, UpdateForm(),
                lambda f: orders().post_service_request_update(org_id(), request_id, f.text.data),
                _("Update posted: the customer has been told."))


@bp.post("/service-requests/<request_id>/files")
@accepts_files
@console()
def attach_file(request_id: str):
    """A file for the customer on the request (documents checks it and says why it refuses)."""
    found = orders().staff_service_request(org_id(), request_id)     # another org's: the 404 page
    if found["status"] == "closed":
        flash(_("This request is closed: it takes no more files."), "error")
        return _back(request_id)
    return _act(request_id, subject_files.AttachForm(), lambda f: subject_files.attach(
        SUBJECT, request_id, found["customer_id"], f.file.data), _("File attached: the customer sees it on the request."))
