"""Sales orders and deliveries, as the portal and the console share them: the words for each
status, and the page's date filters read from the query (a date that is not one is ignored)."""
from __future__ import annotations

from datetime import date

ORDER_LABELS = {"confirmed": "Confirmed", "partially_shipped": "Partly shipped", "shipped": "Shipped",
                "invoiced": "Invoiced", "closed": "Closed", "cancelled": "Cancelled"}
DELIVERY_LABELS = {"packed": "Packed", "dispatched": "Dispatched", "in_transit": "In transit",
                   "out_for_delivery": "Out for delivery", "delivered": "Delivered", "exception": "Problem"}
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
