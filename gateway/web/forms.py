"""Forms shared by several pages (Flask-WTF), and how a service's problem comes back to a
form: what people type is checked just enough to give a quick, readable answer; the
service decides the rest and its problems come back through `apply_problem`, attached to
the field they are about. Forms of one audience live with it (public/forms.py,
console/forms.py, or beside the portal page that shows them)."""
from __future__ import annotations

from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectMultipleField
from wtforms.validators import DataRequired, EqualTo, Length
from wtforms.widgets import CheckboxInput, ListWidget

from gateway.clients.base import ServiceProblem
from gateway.web.i18n import LOCALES

# The languages offered (a profile's, an e-mail template's): those with a complete catalogue,
# each in its own name, which is never translated (a reader lost in a language finds theirs).
LANGUAGES = dict(LOCALES)
REQUIRED = _l("Please fill this in.")
PAY_METHODS = {"card": _l("Card"), "bank_debit": _l("Bank debit (takes a few working days to clear)")}
PAY_METHOD_NAMES = {"card": _l("Card"), "bank_debit": _l("Bank debit")}     # without the form's hint


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (each with its own label) in place of a multi-select."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(_l("New password"), validators=[DataRequired(REQUIRED), Length(max=1024)],
                                 render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(REQUIRED), EqualTo("new_password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"})


FIELD_ALIASES = {"address.line1": "line1", "address.line2": "line2", "address.city": "city",
                 "address.postcode": "postcode", "address.country": "country", "code": "code"}


def apply_problem(form: FlaskForm | None, problem: ServiceProblem) -> list[str]:
    """Puts identity's field errors on the form's fields; answers the sentences to show
    above the form (the problem's detail, and any error that names no field of the form)."""
    messages = [problem_sentence(problem)]
    for name, errors in problem.errors.items():
        key = FIELD_ALIASES.get(name, name)
        if name.startswith("notify."):
            key = "notify_" + name.split(".", 1)[1]
        if form is not None and key in form._fields and key != "csrf_token":
            form[key].errors = [*form[key].errors, *errors]
        else:
            messages.extend(errors)
    return messages


def field_messages(form: FlaskForm) -> list[str]:
    """"Label: what is wrong" for each field the form's own checks refused: the summary above
    a long form names them (each error also shows at its field)."""
    return [f"{form[name].label.text}: {error}" for name, errors in form.errors.items()
            if name in form._fields and name != "csrf_token" and isinstance(errors, list)
            for error in errors if isinstance(error, str)]


def problem_sentence(problem: ServiceProblem) -> str:
    sentence = problem.detail
    attempts = problem.extra.get("attempts_left")
    if isinstance(attempts, int) and attempts >= 0:
        sentence += " " + ngettext("%(num)s attempt left.", "%(num)s attempts left.", attempts)
    retry = problem.extra.get("retry_after")
    if isinstance(retry, (int, float)) and retry > 0:
        minutes = int((retry + 59) // 60)
        sentence += " " + (_("Please try again in %(seconds)s seconds.", seconds=int(retry)) if retry < 120
                           else _("Please try again in %(minutes)s minutes.", minutes=minutes))
    return sentence
