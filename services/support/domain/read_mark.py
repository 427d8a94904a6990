"""How far one reader (a contact, or one staff member) has read one ticket's conversation.

Its own stream, one per ticket and reader (the id is derived from both), so that reading
never contends with the ticket's writers, and a mark only moves forward. Its event,
TicketRead, is what makes "Seen" appear live on the other side's open page (the gateway's
live channel); the ticket_reads table stays the read side for lists and counts."""
from __future__ import annotations

import uuid

from services.chassis.aggregate import Aggregate

NAMESPACE = uuid.UUID("4f0c0b7e-3c55-4d55-9a55-7e1d0c1c2a15")


class ReadMark(Aggregate):
    aggregate_type = "TicketReadMark"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.seq = 0

    @staticmethod
    def stream_id(ticket_id: str, reader: str) -> str:
        return str(uuid.uuid5(NAMESPACE, f"{ticket_id}/{reader}"))

    def read(self, ticket_id: str, customer_id: str, reader_kind: str, seq: int) -> bool:
        """Records TicketRead when `seq` is past the mark; False (nothing) otherwise."""
        if seq <= self.seq:
            return False
        self.record("TicketRead", {"ticket_id": ticket_id, "customer_id": customer_id,
                                   "reader_kind": reader_kind, "seq": seq})
        return True

    def when_TicketRead(self, d: dict) -> None:
        self.seq = d["seq"]
