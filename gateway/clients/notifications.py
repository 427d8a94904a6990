"""The gateway's client of the notifications service (services/notifications/API.md), with
the signed-in staff member's internal token: notifications scopes every answer to the
token's org, and takes the staff id of a read marker from it."""
from __future__ import annotations

from gateway.clients.base import ServiceApi, _id


AUDIT_FILTERS = ("area", "actor", "since", "until", "q")


def _audit_filters(query: dict) -> dict:
    return {k: query[k] for k in AUDIT_FILTERS if query.get(k)}


class NotificationsClient(ServiceApi):
    service = "notifications"

    def _org(self, org: str) -> str:
        return f"/orgs/{_id(org)}"

    # -- e-mail templates ------------------------------------------------------------------
    def templates(self, org: str) -> list:
        return self._call("GET", self._org(org) + "/email-templates")

    def template(self, org: str, kind: str, locale: str) -> dict:
        return self._call("GET", self._org(org) + f"/email-templates/{_id(kind)}/{_id(locale)}")

    def save_template(self, org: str, kind: str, locale: str, subject: str, text: str, html: str | None) -> dict:
        return self._call("PUT", self._org(org) + f"/email-templates/{_id(kind)}/{_id(locale)}",
                          {"subject": subject, "text": text, "html": html})

    def reset_template(self, org: str, kind: str, locale: str) -> dict:
        return self._call("DELETE", self._org(org) + f"/email-templates/{_id(kind)}/{_id(locale)}")

    def preview(self, org: str, kind: str, locale: str, draft: dict) -> dict:
        """{subject, text, html}: the draft filled in with sample data (html is the mail's, untrusted)."""
        return self._call("POST", self._org(org) + f"/email-templates/{_id(kind)}/{_id(locale)}/preview", draft)

    # -- sent mail --------------------------------------------------------------------------
    def emails(self, org: str, status: str | None = None, limit: int = 25, offset: int = 0) -> list:
        params = {"limit": limit, "offset": offset, **({"status": status} if status else {})}
        return self._call("GET", self._org(org) + "/emails", params=params)

    def email(self, org: str, email_id: str) -> dict:
        """One mail with its text and HTML (None, `redacted`, for mails with a one-time link)."""
        return self._call("GET", self._org(org) + f"/emails/{_id(email_id)}")

    def resend_email(self, org: str, email_id: str) -> dict:
        return self._call("POST", self._org(org) + f"/emails/{_id(email_id)}/resend")

    # -- unsubscribe links (public: the token is the credential) ----------------------------
    def unsubscribe_link(self, org: str, token: str) -> dict:
        """{org_name, topic, topic_label, recipient_kind, unsubscribed}; 404 for a bad token."""
        return self._call("GET", self._org(org) + f"/unsubscribes/{_id(token)}")

    def unsubscribe(self, org: str, token: str) -> dict:
        return self._call("POST", self._org(org) + f"/unsubscribes/{_id(token)}")

    # -- webhooks --------------------------------------------------------------------------
    def event_types(self, org: str) -> list:
        return self._call("GET", self._org(org) + "/webhook-event-types")

    def webhooks(self, org: str) -> list:
        return self._call("GET", self._org(org) + "/webhooks")

    def webhook(self, org: str, webhook_id: str) -> dict:
        return self._call("GET", self._org(org) + f"/webhooks/{_id(webhook_id)}")

    def add_webhook(self, org: str, url: str, event_types: list[str]) -> dict:
        """The new webhook and its `secret`: the only answer that ever carries it."""
        return self._call("POST", self._org(org) + "/webhooks", {"url": url, "event_types": event_types})

    def switch_webhook(self, org: str, webhook_id: str, on: bool) -> dict:
        return self._call("POST", self._org(org) + f"/webhooks/{_id(webhook_id)}/{'enable' if on else 'disable'}")

    def delete_webhook(self, org: str, webhook_id: str) -> None:
        self._call("DELETE", self._org(org) + f"/webhooks/{_id(webhook_id)}")

    def deliveries(self, org: str, webhook_id: str) -> list:
        return self._call("GET", self._org(org) + f"/webhooks/{_id(webhook_id)}/deliveries")

    # -- the audit log (owners and admins) ------------------------------------------------------
    def audit(self, org: str, query: dict) -> dict:
        """A page of the log, newest first: {items, next_cursor}; `query` holds the filters
        (area, actor, since, until, q), `cursor` (the previous page's next_cursor) and `limit`."""
        params = {**_audit_filters(query), **({"after": query["cursor"]} if query.get("cursor") else {}),
                  **({"limit": query["limit"]} if query.get("limit") else {})}
        return self._call("GET", self._org(org) + "/audit", params=params)

    def audit_actors(self, org: str) -> list:
        """Everyone who appears in the log as having acted: [{id, kind, name}]."""
        return self._call("GET", self._org(org) + "/audit/actors")

    def audit_csv(self, org: str, query: dict):
        """Every entry the filters keep as CSV: the service's streamed answer, to pass on."""
        return self._stream(self._org(org) + "/audit.csv", params=_audit_filters(query))

    # -- the activity feed -----------------------------------------------------------------
    def activity(self, org: str, before: int | None = None, limit: int = 50) -> list:
        params = {"limit": limit, **({"before": before} if before else {})}
        return self._call("GET", self._org(org) + "/activity", params=params)

    def unread(self, org: str) -> dict:
        """{unread, last_read_id} of the signed-in staff member."""
        return self._call("GET", self._org(org) + "/activity/unread")

    def mark_read(self, org: str, up_to: int | None = None) -> dict:
        return self._call("POST", self._org(org) + "/activity/read", {"up_to": up_to} if up_to else {})

    def mail_preferences(self, org: str) -> dict:
        """The signed-in staff member's {kind: off | immediate | daily}."""
        return self._call("GET", self._org(org) + "/activity/preferences")

    def set_mail_preferences(self, org: str, choices: dict) -> dict:
        return self._call("PUT", self._org(org) + "/activity/preferences", choices)

