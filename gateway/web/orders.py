"""Sales orders and deliveries, as the portal and the console share them: the words for each
status, and the page's date filters read from the query (a date that is not one is ignored)."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

ORDER_LABELS = {"confirmed": _l("Confirmed"), "partially_shipped": _l("Partly shipped"), "shipped": _l("Shipped"),
                "invoiced": _l("Invoiced"), "closed": _l("Closed"), "cancelled": _l("Cancelled")}
DELIVERY_LABELS = {"packed": _l("Packed"), "dispatched": _l("Dispatched"), "in_transit": _l("In transit"),
                   "out_for_delivery": _l("Out for delivery"), "delivered": _l("Delivered"), "exception": _l("Problem")}
FIRST_STATUSES = ("packed", "dispatched")

# Live updates: the Deliveries page and an order's page follow this topic on the live
# channel (gateway/live feeds it from orders' ShipmentDispatched and DeliveryStatusChanged;
# static/deliveries.js swaps the status badge).
LIVE_TOPIC = "deliveries:{customer_id}"


def day_arg(value: str | None) -> str | None:
    try:
        return date.fromisoformat(value).isoformat() if value else None
    except ValueError:
        return None
