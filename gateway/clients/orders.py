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


    # -- projects and timesheets (gateway/portal/projects.py, timesheets.py, console/projects.py) --
    def projects(self, org: str, customer: str, status: str | None = None, cursor: str | None = None) -> dict:
        params = {k: v for k, v in {"status": status, "cursor": cursor, "limit": 50}.items() if v}
        return self._call("GET", self._customer(org, customer) + "/projects", params=params)

    def project(self, org: str, customer: str, project_id: str) -> dict:
        return self._call("GET", self._customer(org, customer) + f"/projects/{_id(project_id)}")

    def timesheets(self, org: str, customer: str, from_week: str | None = None, to_week: str | None = None) -> dict:
        params = {k: v for k, v in {"from_week": from_week, "to_week": to_week}.items() if v}
        return self._call("GET", self._customer(org, customer) + "/timesheets", params=params)

    def decide_week(self, org: str, customer: str, week: str, approve: bool, comment: str | None) -> dict:
        action = "approve" if approve else "dispute"
        return self._call("POST", self._customer(org, customer) + f"/timesheet-weeks/{_id(week)}/{action}",
                          {"comment": comment})

    def staff_projects(self, org: str, customer_id: str | None = None, cursor: str | None = None) -> dict:
        params = {k: v for k, v in {"customer_id": customer_id, "cursor": cursor, "limit": 50}.items() if v}
        return self._call("GET", f"/orgs/{_id(org)}/projects", params=params)

    def staff_project(self, org: str, project_id: str) -> dict:
        return self._call("GET", f"/orgs/{_id(org)}/projects/{_id(project_id)}")

    def create_project(self, org: str, body: dict) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/projects", body)

    def change_project(self, org: str, project_id: str, changes: dict) -> dict:
        return self._call("PATCH", f"/orgs/{_id(org)}/projects/{_id(project_id)}", changes)

    def add_task(self, org: str, project_id: str, body: dict) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/projects/{_id(project_id)}/tasks", body)

    def change_task(self, org: str, project_id: str, task_id: str, changes: dict) -> dict:
        return self._call("PATCH", f"/orgs/{_id(org)}/projects/{_id(project_id)}/tasks/{_id(task_id)}", changes)

    def add_milestone(self, org: str, project_id: str, body: dict) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/projects/{_id(project_id)}/milestones", body)

    def change_milestone(self, org: str, project_id: str, milestone_id: str, changes: dict) -> dict:
        return self._call("PATCH", f"/orgs/{_id(org)}/projects/{_id(project_id)}/milestones/{_id(milestone_id)}",
                          changes)

    def log_time(self, org: str, body: dict) -> dict:
        return self._call("POST", f"/orgs/{_id(org)}/timesheet-entries", body)

    def timesheet_weeks(self, org: str, customer_id: str | None = None) -> dict:
        params = {"customer_id": customer_id} if customer_id else {}
        return self._call("GET", f"/orgs/{_id(org)}/timesheet-weeks", params=params)

    def timesheet_entries(self, org: str, customer_id: str | None = None, week: str | None = None) -> dict:
        params = {k: v for k, v in {"customer_id": customer_id, "week": week}.items() if v}
        return self._call("GET", f"/orgs/{_id(org)}/timesheet-entries", params=params)


REQUEST_QUERY = ("status", "priority", "customer_id", "assignee_id", "cursor", "limit")


def _requests(query: dict) -> dict:
    return {k: v for k, v in query.items() if k in REQUEST_QUERY and v not in (None, "")}
