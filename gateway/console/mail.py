"""The console's e-mail templates (owners and admins): every kind of mail the portal sends,
its subject and bodies per language, a preview with sample data, and "back to the default".

notifications checks a template at save time (an unknown placeholder is refused; its
sentence is shown at the field that has it) and renders it in Jinja2's sandbox. The preview
comes back as the mail's own HTML, which staff wrote: it is never put into the console page
as markup. It is shown escaped in an `<iframe sandbox srcdoc>` (no scripts, no forms, no
same-origin access, and the page's CSP on top), beside the text part as plain text.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _, lazy_gettext as _l

from gateway.clients.base import ServiceProblem
from gateway.console.forms import TemplateForm
from gateway.web.access import MANAGERS, console
from gateway.web.context import notifications, org_id
from gateway.web.forms import LANGUAGES, apply_problem

bp = Blueprint("console_mail", __name__, url_prefix="/console")

KIND_LABELS = {
    "invitation": _l("Invitation to the portal"), "password_reset": _l("Password reset"),
    "email_verification": _l("E-mail address confirmation"), "payment_receipt": _l("Payment receipt"),
    "payment_failed": _l("Payment failed"), "invoice_forwarded": _l("Invoice forwarded"),
    "portal_comment": _l("New comment in the portal"), "ticket_reply": _l("Ticket reply"),
    "document_shared": _l("Document shared"), "quote_decision": _l("Quote accepted or declined"),
    "staff_activity": _l("Activity, to staff (each time)"), "staff_digest": _l("Activity digest, to staff (daily)"),
    "invoice_issued": _l("New invoice"), "payment_reminder": _l("Payment reminder"),
    "document_forwarded": _l("Document forwarded"), "shipment_dispatched": _l("Shipment on its way"),
    "shipment_delivered": _l("Shipment delivered"), "shipment_exception": _l("Shipment held up"),
}
PARTS = ("subject", "text", "html")


def _mail_name(kind: str) -> str:
    """A kind's name inside a sentence: lower-case in English ("The payment receipt mail ..."),
    as it is elsewhere (a German noun keeps its capital)."""
    name = str(KIND_LABELS.get(kind, kind))
    return name.lower() if str(get_locale() or "en") == "en" else name


def _language(locale: str) -> str:
    if locale not in LANGUAGES:
        abort(404)
    return locale


@bp.get("/email-templates")
@console(roles=MANAGERS)
def email_templates():
    locale = request.args.get("locale") if request.args.get("locale") in LANGUAGES else "en"
    kinds = notifications().templates(org_id())
    return render_template("console/mail/email_templates.html", kinds=kinds, labels=KIND_LABELS,
                           languages=LANGUAGES, edited=locale)


def _page(kind: str, locale: str, form: TemplateForm, current: dict, preview: dict | None,
          messages: list[str], status: int = 200, drafted: bool = False):
    """`drafted`: the preview is of the form's unsaved wording, not of what is saved. The
    language edited goes to the page as `edited`, never `locale` (the page's own language, which
    base.html reads for `lang`); the subject's label names it."""
    form.subject.label.text = _("Subject (%(language)s)", language=LANGUAGES[locale])
    return render_template("console/mail/email_template.html", kind=kind, edited=locale, form=form,
                           current=current, preview=preview, messages=messages, drafted=drafted,
                           label=KIND_LABELS.get(kind, kind), language=LANGUAGES[locale]), status


def _problem(form: TemplateForm, problem: ServiceProblem) -> tuple[list[str], int]:
    """The service's sentence at the part it is about (subject, text, html)."""
    if problem.status == 404:
        raise problem
    messages = apply_problem(form, problem)
    return messages, problem.status if problem.status in (409, 422) else 400


@bp.route("/email-templates/<kind>/<locale>", methods=["GET", "POST"])
@console(roles=MANAGERS)
def email_template(kind: str, locale: str):
    locale = _language(locale)
    current = notifications().template(org_id(), kind, locale)
    if request.method == "GET":
        form = TemplateForm(formdata=None, data={p: current.get(p) or "" for p in PARTS})
        return _page(kind, locale, form, current, notifications().preview(org_id(), kind, locale, {}), [])
    form = TemplateForm()
    if not form.validate():
        return _page(kind, locale, form, current, None, [], 400)
    draft = {"subject": form.subject.data, "text": form.text.data, "html": form.html.data or None}
    if request.form.get("intent") == "preview":
        try:
            preview = notifications().preview(org_id(), kind, locale, {**draft, "html": draft["html"] or ""})
        except ServiceProblem as problem:
            messages, status = _problem(form, problem)
            return _page(kind, locale, form, current, None, messages, status)
        return _page(kind, locale, form, current, preview, [], drafted=True)
    try:
        notifications().save_template(org_id(), kind, locale, **draft)
    except ServiceProblem as problem:
        messages, status = _problem(form, problem)
        return _page(kind, locale, form, current, None, messages, status)
    flash(_("The %(mail)s mail (%(language)s) is saved. Mails queued from now on use it.",
            mail=_mail_name(kind), language=LANGUAGES[locale]), "success")
    return redirect(url_for("console_mail.email_template", kind=kind, locale=locale))


@bp.post("/email-templates/<kind>/<locale>/reset")
@console(roles=MANAGERS)
def reset_template(kind: str, locale: str):
    locale = _language(locale)
    notifications().reset_template(org_id(), kind, locale)
    flash(_("The %(mail)s mail (%(language)s) is back to the default wording.",
            mail=_mail_name(kind), language=LANGUAGES[locale]), "success")
    return redirect(url_for("console_mail.email_template", kind=kind, locale=locale))
