"""The console's notifications forms (Flask-WTF, CSRF on): an e-mail template's wording,
and a new webhook. Quick, readable checks here; notifications decides the rest (an unknown
placeholder, a URL that is not https) and its problems come back at the field they are about;
and a staff member's choice of activity mail per kind."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from gateway.forms import REQUIRED, MultiCheckboxField

ALL_EVENTS = "*"


class TemplateForm(FlaskForm):
    subject = StringField("Subject", validators=[DataRequired(REQUIRED), Length(max=300)],
                          render_kw={"autocomplete": "off", "spellcheck": "true"})
    text = TextAreaField("Text body", validators=[DataRequired(REQUIRED), Length(max=20000)],
                         render_kw={"rows": "12"})
    html = TextAreaField("HTML body (optional)", validators=[Optional(), Length(max=50000)],
                         render_kw={"rows": "8", "spellcheck": "false"})


class WebhookForm(FlaskForm):
    url = StringField("URL", validators=[DataRequired(REQUIRED), Length(min=8, max=2000)],
                      render_kw={"autocomplete": "off", "spellcheck": "false", "inputmode": "url",
                                 "placeholder": "https://"})
    # Checked here, not with DataRequired (that would make a browser require every box).
    event_types = MultiCheckboxField("Events to send", choices=[])

    def set_catalogue(self, types: list[dict]) -> "WebhookForm":
        self.event_types.choices = [SelectChoice(ALL_EVENTS, "All events"),
                                    *(SelectChoice(t["type"], t["type"]) for t in types)]
        return self

    def validate_event_types(self, field):
        if not field.data:
            raise ValidationError("Choose at least one event.")


ACTIVITY_KIND_LABELS = {"payments": "Payments", "comments": "Comments", "approvals": "Quotes and agreements decided",
                        "uploads": "Documents uploaded", "tickets": "New tickets", "reviews": "Reviews"}
MAIL_MODES = {"off": "No e-mail", "immediate": "An e-mail each time", "daily": "A daily digest"}


class ActivityMailForm(FlaskForm):
    """One choice per kind of activity (fields added below, one per kind)."""


for _kind, _label in ACTIVITY_KIND_LABELS.items():
    setattr(ActivityMailForm, _kind, RadioField(_label, default="off", validators=[InputRequired("Choose one.")],
                                                choices=[SelectChoice(k, v) for k, v in MAIL_MODES.items()]))
