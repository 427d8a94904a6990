"""Who reads or acts on a ticket: a contact of a customer, or staff of the org (an API key
acts as staff). Commands carry it; queries scope every read by it."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Viewer:
    kind: str                # contact | staff
    id: str
    org_id: str
    customer_id: str | None = None
    name: str | None = None

    @property
    def reader(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def other_side(self) -> str:
        return "staff" if self.kind == "contact" else "contact"
