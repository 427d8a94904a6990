"""Telling staff that their customers cannot pay online: when the org's payment gateway
cannot be used (none set up, or its stored keys no longer decrypt), the customer is told so
and nothing is charged or recorded (adapters/registry.py), and the org's staff get an
OnlinePaymentRefused event in their activity feed and payment mail.

One alert per org, gateway and hour, however many customers try: the alert is the first
event of a stream whose id is made from those three (uuid5), so a second append in the
same hour finds the stream taken and adds nothing."""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timezone

from sqlalchemy.exc import IntegrityError

from services.billing.adapters.registry import OnlinePaymentUnavailable
from services.chassis.errors import ConcurrencyConflict
from services.chassis.events import Event

log = logging.getLogger(__name__)
ALERTS = uuid.UUID("6f1d7d0e-8a53-4c1e-9d55-3f1f0a7b2c11")


def alert_id(org_id: str, gateway: str | None, hour: str) -> str:
    return str(uuid.uuid5(ALERTS, f"{org_id}|{gateway or '-'}|{hour}"))


def raise_alert(rt, org_id: str, problem: OnlinePaymentUnavailable, now: datetime | None = None) -> bool:
    """Record the alert unless this hour's is already there; True when it was recorded."""
    hour = (now or datetime.now(timezone.utc)).replace(minute=0, second=0, microsecond=0).isoformat()
    stream = alert_id(org_id, problem.gateway, hour)
    event = Event(type="OnlinePaymentRefused", org_id=org_id, aggregate_type="GatewayAlert",
                  aggregate_id=stream, aggregate_version=1,
                  data={"gateway": problem.gateway, "reason": problem.reason[:500], "hour": hour})
    try:
        with rt.store.unit_of_work() as uow:
            uow.append([event])
            uow.commit()
    except (ConcurrencyConflict, IntegrityError):
        return False                                  # staff were told this hour already
    log.error("online payment unavailable for org %s: %s", org_id, problem.reason)
    return True
