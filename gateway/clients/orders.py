"""The gateway's client of the orders service (services/orders/API.md), with the signed-in
person's internal token: orders scopes every answer to the token's org and customer.
Contacts use the customer routes, staff the org routes."""
from __future__ import annotations

from gateway.clients.base import ServiceApi, _id

LIST_QUERY = ("status", "number", "ordered_from", "ordered_to", "cursor", "limit", "customer_id")


def _params(query: dict) -> dict:
    return {k: v for k, v in query.items() if k in LIST_QUERY and v not in (None, "")}


class OrdersClient(ServiceApi):
    service = "orders"

    def _customer(self, org: str, customer: str) -> str:
        return f"/orgs/{_id(org)}/customers/{_id(customer)}"

    # -- a contact's reads -----------------------------------------------------------------
    def orders(self, org: str, customer: str, query: dict) -> dict:
        """A page of the customer's orders: {items, next_cursor}."""
        return self._call("GET", self._customer(org, customer) + "/sales-orders", params=_params(query))

    def order(self, org: str, customer: str, order_id: str) -> dict:
        return self._call("GET", self._customer(org, customer) + f"/sales-orders/{_id(order_id)}")

    def shipments(self, org: str, customer: str, query: dict) -> dict:
        return self._call("GET", self._customer(org, customer) + "/shipments", params=_params(query))

    def summary(self, org: str, customer: str) -> dict:
        """{open_orders, shipments_on_the_way} for the portal's home page."""
        return self._call("GET", self._customer(org, customer) + "/orders-summary")

    # -- staff -----------------------------------------------------------------------------
    def staff_orders(self, org: str, query: dict) -> dict:
        return self._call("GET", f"/orgs/{_id(org)}/sales-orders", params=_params(query))

    def staff_order(self, org: str, order_id: str) -> dict:
        return self._call("GET", f"/orgs/{_id(org)}/sales-orders/{_id(order_id)}")

    def place_order(self, org: str, body: dict) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/sales-orders", body)

    def change_order(self, org: str, order_id: str, changes: dict) -> dict:
        return self._call("PATCH", f"/orgs/{_id(org)}/sales-orders/{_id(order_id)}", changes)

    def cancel_order(self, org: str, order_id: str, reason: str | None) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/sales-orders/{_id(order_id)}/cancel", {"reason": reason})

    def add_shipment(self, org: str, order_id: str, body: dict) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/sales-orders/{_id(order_id)}/shipments", body)

    def report_delivery(self, org: str, shipment_id: str, body: dict) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/shipments/{_id(shipment_id)}/status", body)

    # -- service requests (a contact's with their token, staff's on the org routes) ----------
    def service_requests(self, org: str, customer: str, query: dict) -> dict:
        return self._call("GET", self._customer(org, customer) + "/service-requests", params=_requests(query))

    def service_request(self, org: str, customer: str, request_id: str) -> dict:
        return self._call("GET", self._customer(org, customer) + f"/service-requests/{_id(request_id)}")

    def raise_service_request(self, org: str, customer: str, body: dict) -> dict:
        return self._call("POST", self._customer(org, customer) + "/service-requests", body)

    def add_service_request_update(self, org: str, customer: str, request_id: str, text: str) -> dict:
        return self._call("POST", self._customer(org, customer) + f"/service-requests/{_id(request_id)}/updates",
                          {"text": text})

    def staff_service_requests(self, org: str, query: dict) -> dict:
        return self._call("GET", f"/orgs/{_id(org)}/service-requests", params=_requests(query))

    def staff_service_request(self, org: str, request_id: str) -> dict:
        return self._call("GET", f"/orgs/{_id(org)}/service-requests/{_id(request_id)}")

    def change_service_request(self, org: str, request_id: str, changes: dict) -> dict:
        return self._call("PATCH", f"/orgs/{_id(org)}/service-requests/{_id(request_id)}", changes)

    def post_service_request_update(self, org: str, request_id: str, text: str) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/service-requests/{_id(request_id)}/updates", {"text": text})


REQUEST_QUERY = ("status", "priority", "customer_id", "assignee_id", "cursor", "limit")


def _requests(query: dict) -> dict:
    return {k: v for k, v in query.items() if k in REQUEST_QUERY and v not in (None, "")}
