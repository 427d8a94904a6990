"""The console's home page under /console. Staff sign in through the public sign-in pages
(gateway/public/signin.py, kind "staff") and pass MFA through the same pages as contacts;
identity always asks staff to enrol."""
from __future__ import annotations

from flask import Blueprint, render_template

from gateway.web.access import console
from gateway.web.context import principal

bp = Blueprint("console_dashboard", __name__, url_prefix="/console")


@bp.get("")
@console()
def dashboard():
    return render_template("console/dashboard/dashboard.html", person=principal())
