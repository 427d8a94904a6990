"""The forms of payment links (Flask-WTF: each carries its CSRF token): the public Pay form
on /pay/<token> (gateway/pay_links.py). The console's link buttons are one-button forms
(macros.button_form) with the CSRF token alone."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from gateway.forms import PAY_METHODS


class PayByLinkForm(FlaskForm):
    method = RadioField("How would you like to pay?", choices=[SelectChoice(k, v) for k, v in PAY_METHODS.items()],
                        default="card", validators=[DataRequired("Choose how to pay.")])
    email = EmailField("Your e-mail for the receipt (optional)",
                       validators=[Optional(), Length(max=254),
                                   Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                          message="Give an address like name@example.com.")],
                       render_kw={"autocomplete": "email"})
