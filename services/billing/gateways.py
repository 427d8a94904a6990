"""Which payment gateway adapter serves an org: the registry behind every payment.

A gateway is registered by name with a factory `factory(rt, org_id) -> PaymentGateway | None`
(None: not set up for this org, e.g. no Stripe keys for it). The simulated gateway is
always registered and available. Stripe and PayPal adapters plug in with

    from services.billing import gateways
    gateways.register("stripe", lambda rt, org_id: StripeGateway.for_org(rt, org_id))

once per process, at start-up, when their settings are present. Factories are called per use and should be cheap (cache clients
inside the adapter module if needed).

Settings (read here, once per call, from the environment):
- BILLING_DEFAULT_GATEWAY: the gateway a payment uses when the caller names none
  ("simulated" unless set); an org for which it is not available falls back to "simulated".
- BILLING_SIMULATED_WEBHOOK_SECRET: the secret signing the simulated gateway's webhooks
  (its webhooks are refused while it is unset; the console's simulate action needs none).
"""
from __future__ import annotations

import os
from typing import Callable

from services.billing.payment_gateway import PaymentGateway
from services.chassis.errors import DomainError

SIMULATED = "simulated"
Factory = Callable[[object, str], "PaymentGateway | None"]

_factories: dict[str, Factory] = {}


class GatewayNotAvailable(DomainError):
    """The named gateway is unknown or not set up for this org (422 on the `gateway` field)."""


def register(name: str, factory: Factory) -> None:
    """Make a gateway available (again: the last registration of a name wins)."""
    if not name or not name.isidentifier():
        raise ValueError(f"A gateway name is a plain word, got {name!r}")
    _factories[name] = factory


def _simulated(rt, org_id: str):
    from services.billing.adapters.simulated import SimulatedGateway
    return SimulatedGateway(rt.engine, webhook_secret=os.environ.get("BILLING_SIMULATED_WEBHOOK_SECRET", ""))


def _stripe(rt, org_id: str):
    from services.billing.adapters.stripe import StripeGateway
    return StripeGateway.for_org(rt, org_id)


def _paypal(rt, org_id: str):
    from services.billing.adapters.paypal import PayPalGateway
    return PayPalGateway.for_org(rt, org_id)


# Built in: available wherever their settings are (adapters/README.md); None where not.
BUILT_IN: dict[str, Factory] = {SIMULATED: _simulated, "stripe": _stripe, "paypal": _paypal}


def names() -> tuple[str, ...]:
    return tuple(dict.fromkeys((*BUILT_IN, *_factories)))


def adapter(rt, org_id: str, name: str) -> PaymentGateway:
    """The adapter of gateway `name` for the org, or GatewayNotAvailable."""
    factory = _factories.get(name) or BUILT_IN.get(name)
    found = factory(rt, org_id) if factory is not None else None
    if found is None:
        raise GatewayNotAvailable(f"The payment gateway {name!r} is not available here.", field="gateway")
    return found


def default_name(rt, org_id: str) -> str:
    """The gateway a payment uses when none is named: the org's choice in the console
    (connections.py), else BILLING_DEFAULT_GATEWAY."""
    from services.billing import connections
    wanted = (connections.default_gateway(rt, org_id)
              or os.environ.get("BILLING_DEFAULT_GATEWAY", SIMULATED) or SIMULATED)
    if wanted != SIMULATED:
        try:
            adapter(rt, org_id, wanted)
        except GatewayNotAvailable:
            return SIMULATED
    return wanted


def methods(gateway: PaymentGateway) -> tuple[str, ...] | None:
    """The methods an adapter declares (`methods` attribute), or None when it does not say."""
    declared = getattr(gateway, "methods", None)
    return tuple(declared) if declared else None
