"""What every template may use, registered by the app (init_filters), not by a blueprint:
the `money` and `day` filters, and the page context (the org for branding, the person,
the navigation)."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, get_currency_precision
from flask import Flask, g

from gateway.web.access import module_path, nav_modules
from gateway.web.context import pending_step
from gateway.web.i18n import locale_code
from gateway.web.labels import MODULE_LABELS
from gateway.web.payments import paid_with


def init_filters(app: Flask) -> None:
    app.add_template_filter(money, "money")
    app.add_template_filter(day, "day")
    app.add_template_filter(moment, "moment")
    app.add_template_global(paid_with, "paid_with")
    app.context_processor(page_context)


def money(minor: int | None, currency: str) -> str:
    """Minor units as the reader reads money in the page's language: €1,234.56, 1.234 ¥, BHD 1.250."""
    if minor is None:
        return ""
    amount = Decimal(minor).scaleb(-get_currency_precision(currency))
    return format_currency(amount, currency, locale=locale_code())


def day(value: str | None) -> str:
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value else date.fromisoformat(value)
    except ValueError:
        return value
    return format_date(moment, "dd MMM yyyy", locale=locale_code())


def moment(value: str | None) -> str:
    """An instant as a day and a UTC time: "02 Dec 2026, 09:00 UTC" (a delivery's step), in the
    page's language."""
    try:
        at = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
    except ValueError:
        return value or ""
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc)
    return format_datetime(at, "dd MMM yyyy, HH:mm 'UTC'", tzinfo=timezone.utc, locale=locale_code())


def page_context():
    """What every template may use: the org (for branding) and the navigation."""
    org = g.get("org")
    view = g.get("session_view")
    person = (view or {}).get("principal") or {}
    signed_in = view is not None and pending_step(view) is None
    return {"org": org, "person": person if view else {}, "signed_in": signed_in,
            "pending": view is not None and not signed_in,
            "nav": nav_modules() if signed_in and org else [],
            "module_labels": MODULE_LABELS, "module_path": module_path}
