"""The staff member's own account: password, and signing out on every device."""
from __future__ import annotations

from flask import Blueprint, url_for

from gateway.web.access import console
from gateway.web.account import password_page, sign_out_everywhere

bp = Blueprint("console_account", __name__, url_prefix="/console")


@bp.route("/password", methods=["GET", "POST"])
@console()
def password():
    return password_page(url_for("console_dashboard.dashboard"))


@bp.post("/signout/everywhere")
@console()
def signout_everywhere():
    return sign_out_everywhere()
