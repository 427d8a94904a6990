"""Which payment gateway adapter serves an org, and with which keys: the one place that
answers it. Built once per process by bootstrap (SPEC.ports) and kept in
`rt.ports["gateways"]`; everything that pays, refunds, saves a method or reads a webhook asks
it (`adapter(org_id, name)`), so a test hands in a fake gateway with `register()`.

Where an adapter comes from, for an org and a gateway name:
1. a factory registered on this registry, `register(name, factory)` with
   `factory(rt, org_id) -> PaymentGateway | None` (None: not set up for this org). Factories
   are called per use and should be cheap; the last registration of a name wins.
2. else the built-in: "simulated" (only where SIMULATED_GATEWAY allows it: never in a
   production that did not ask for it; and only for an org in test mode), "stripe" and "paypal": the org's own
   account where its owners connected one in the console (`gateway_connections`, secrets
   Fernet-encrypted under SECRETS_KEY, handlers/gateway_connections.py), else the
   deployment's account from the settings below (one client per process and settings),
   else None.

Adapters take their settings in their constructor; only this registry reads them, through
`rt.config.setting(NAME)` (`BILLING_<NAME>` wins over `<NAME>`, read at each use):
- SIMULATED_GATEWAY: "on" offers the built-in simulated gateway (no money moves: demos and
  tests), "off" never; unset, it is on only where PORTAL_ENV is "dev" (`make up`). In
  production it is neither offered nor fallen back to: an org whose gateway cannot be used
  gets OnlinePaymentUnavailable (handlers/gateway_alerts.py tells its staff).
- DEFAULT_GATEWAY: the gateway a payment uses when the caller names none ("simulated"
  where that is on); an org for which it is not available falls back to "simulated" only
  where that is on.
- SIMULATED_WEBHOOK_SECRET: the secret signing the simulated gateway's webhooks (its
  webhooks are refused while it is unset; the console's simulate action needs none).
- SECRETS_KEY: the Fernet key the orgs' own gateway secrets are encrypted under.
- STRIPE_* and PAYPAL_* (adapters/README.md, "Settings"). The API base of both gateways
  stays the deployment's for an org's own account too (the real services, or the stand-ins
  in tests and `make up`).

An org's own adapter is built from its row (cheap: one primary-key read) and cached until
the row changes, so a saved or removed connection takes effect at the next payment.
"""
from __future__ import annotations

import json
import logging
import threading
from typing import Callable

from cryptography.fernet import InvalidToken
from sqlalchemy import select

from services.billing.adapters.paypal import SANDBOX, PayPalGateway, PayPalSettings
from services.billing.adapters.secrets import SecretsKeyMissing, fernet
from services.billing.adapters.simulated import SimulatedGateway
from services.billing.adapters.stripe import StripeGateway, StripeSettings
from services.billing.domain.payment_gateway import PaymentGateway
from services.billing.tables import gateway_connections
from services.chassis import orgs
from services.chassis.errors import DomainError, Unavailable

log = logging.getLogger(__name__)

SIMULATED = "simulated"
Factory = Callable[[object, str], "PaymentGateway | None"]


class GatewayNotAvailable(DomainError):
    """The named gateway is unknown or not set up for this org (422 on the `gateway` field)."""


class OnlinePaymentUnavailable(Unavailable):
    """No gateway of the org can take a payment now: nothing is charged or recorded."""
    title = "Online payment unavailable"

    def __init__(self, gateway: str | None, reason: str):
        super().__init__("Online payment is not available at the moment, and nothing was charged. "
                         "Please try again later, or contact us to pay another way.",
                         code="online_payment_unavailable")
        self.gateway, self.reason = gateway, reason


class ConnectionUnreadable(Exception):
    """A stored connection cannot be decrypted (the deployment's key was changed)."""


def session_ttl_s(config) -> int:
    """How long a Stripe Checkout Session stays payable: STRIPE_SESSION_TTL_S, else the time
    an unfinished payment holds its invoices (INITIATED_TTL, handlers/expiry.py), within the
    30 minutes to 24 hours Stripe accepts. Without it a session lives 24 h, and the invoice
    would stay held (or be paid at Stripe after billing gave it up) for a day."""
    ttl = config.setting("STRIPE_SESSION_TTL_S") or config.setting("INITIATED_TTL", "3600")
    return min(max(int(float(ttl)), 1800), 86400)


def stripe_settings(config) -> StripeSettings | None:
    """The deployment's Stripe account, or None when Stripe is not configured."""
    if not config.setting("STRIPE_SECRET_KEY"):
        return None
    return StripeSettings(secret_key=config.setting("STRIPE_SECRET_KEY"),
                          webhook_secret=config.setting("STRIPE_WEBHOOK_SECRET", ""),
                          api_base=config.setting("STRIPE_API_BASE") or None,
                          webhook_tolerance_s=config.setting_int("STRIPE_WEBHOOK_TOLERANCE_S", 300),
                          session_ttl_s=session_ttl_s(config))


def paypal_settings(config) -> PayPalSettings | None:
    """The deployment's PayPal app, or None when PayPal is not configured."""
    if not config.setting("PAYPAL_CLIENT_ID"):
        return None
    return PayPalSettings(client_id=config.setting("PAYPAL_CLIENT_ID"),
                          client_secret=config.setting("PAYPAL_CLIENT_SECRET", ""),
                          webhook_id=config.setting("PAYPAL_WEBHOOK_ID", ""),
                          api_base=config.setting("PAYPAL_API_BASE") or SANDBOX,
                          webhook_tolerance_s=config.setting_int("PAYPAL_WEBHOOK_TOLERANCE_S", 300),
                          brand_name=config.setting("PAYPAL_BRAND_NAME") or None)


class PaymentGateways:
    """The registry of one process (rt.ports["gateways"])."""

    def __init__(self, rt):
        self.rt = rt
        self._factories: dict[str, Factory] = {}
        self._deployment: dict[tuple, PaymentGateway] = {}            # (name, settings) -> adapter
        self._cache: dict[tuple[str, str], tuple[str, PaymentGateway]] = {}  # (org, gateway) -> (row, adapter)
        self._lock = threading.Lock()

    def register(self, name: str, factory: Factory) -> None:
        """Make a gateway available (again: the last registration of a name wins)."""
        if not name or not name.isidentifier():
            raise ValueError(f"A gateway name is a plain word, got {name!r}")
        self._factories[name] = factory

    def adapter(self, org_id: str, name: str) -> PaymentGateway:
        """The adapter of gateway `name` for the org, or GatewayNotAvailable."""
        factory = self._factories.get(name) or self._built_in(name)
        found = factory(self.rt, org_id) if factory is not None else None
        if found is None:
            raise GatewayNotAvailable(f"The payment gateway {name!r} is not available here.", field="gateway")
        return found

    def simulated_allowed(self, org_id: str | None = None) -> bool:
        """Whether the simulated gateway may serve `org_id`: where the deployment allows it at all
        (SIMULATED_GATEWAY "on"/"off"; unset, only in development, PORTAL_ENV=dev), and only while
        the org is in test mode (its `test_mode` setting, from identity). An org whose settings
        do not say (created before test mode existed, or not heard of yet) is taken as the
        deployment says."""
        chosen = self.rt.config.setting("SIMULATED_GATEWAY", "").strip().lower()
        allowed = chosen == "on" if chosen else self.rt.config.setting("PORTAL_ENV", "production") == "dev"
        if not allowed or not org_id:
            return allowed
        with self.rt.engine.connect() as conn:
            return orgs.settings(conn, org_id).get("test_mode", True) is not False

    def default_name(self, org_id: str) -> str:
        """The gateway a payment uses when none is named: the org's choice in the console
        (gateway_connections), else DEFAULT_GATEWAY. OnlinePaymentUnavailable where that one
        cannot be used and the simulated gateway is not allowed to stand in."""
        with self.rt.engine.connect() as conn:
            chosen = conn.execute(select(gateway_connections.c.gateway).where(
                gateway_connections.c.org_id == org_id, gateway_connections.c.is_default.is_(True))).scalar()
        simulated = self.simulated_allowed(org_id)
        wanted = chosen or self.rt.config.setting("DEFAULT_GATEWAY", "") or (SIMULATED if simulated else None)
        if wanted is None:
            raise OnlinePaymentUnavailable(None, "no payment gateway is set up for this org")
        if wanted != SIMULATED:
            try:
                self.adapter(org_id, wanted)
            except GatewayNotAvailable:
                if simulated:
                    return SIMULATED
                raise OnlinePaymentUnavailable(wanted, self.why_not(org_id, wanted)) from None
        return wanted

    def why_not(self, org_id: str, name: str) -> str:
        """Why `name` cannot serve the org, in words for its staff."""
        try:
            if self.own(org_id, name) is None and name in ("stripe", "paypal"):
                return f"{name} is not connected (no keys for this org or the deployment)"
        except ConnectionUnreadable:
            return f"the stored {name} keys cannot be decrypted (was BILLING_SECRETS_KEY changed?)"
        return f"{name} is not available here"

    @staticmethod
    def methods(gateway: PaymentGateway) -> tuple[str, ...] | None:
        """The methods an adapter declares (`methods` attribute), or None when it does not say."""
        declared = getattr(gateway, "methods", None)
        return tuple(declared) if declared else None

    # --- the built-ins ------------------------------------------------------------------

    def _built_in(self, name: str) -> Factory | None:
        return {SIMULATED: self._simulated, "stripe": self._stripe, "paypal": self._paypal}.get(name)

    def _simulated(self, rt, org_id: str) -> SimulatedGateway | None:
        if not self.simulated_allowed(org_id):
            return None
        return SimulatedGateway(rt.engine, webhook_secret=rt.config.setting("SIMULATED_WEBHOOK_SECRET", ""))

    def _stripe(self, rt, org_id: str) -> StripeGateway | None:
        return self._own_or_deployment(org_id, "stripe", stripe_settings, StripeGateway)

    def _paypal(self, rt, org_id: str) -> PayPalGateway | None:
        return self._own_or_deployment(org_id, "paypal", paypal_settings, PayPalGateway)

    def _own_or_deployment(self, org_id: str, gateway: str, read_settings, build):
        """The org's own account where it connected one in the console, else the deployment's
        (one client per process and settings), or None when the gateway is not set up."""
        if org_id:
            try:
                own = self.own(org_id, gateway)
            except ConnectionUnreadable:
                log.error("the %s connection of org %s cannot be decrypted: %s is off for it",
                          gateway, org_id, gateway)
                return None
            if own is not None:
                return own
        settings = read_settings(self.rt.config)
        if settings is None:
            return None
        with self._lock:
            found = self._deployment.get((gateway, settings))
            if found is None:
                found = self._deployment[(gateway, settings)] = build(settings)
        return found

    # --- an org's own account (gateway_connections) -----------------------------------------

    def own(self, org_id: str, gateway: str):
        """The org's own adapter for `gateway`, or None when it has no connection there.
        ConnectionUnreadable when its secrets cannot be decrypted."""
        with self.rt.engine.connect() as conn:
            row = conn.execute(select(gateway_connections).where(gateway_connections.c.org_id == org_id,
                                                                gateway_connections.c.gateway == gateway)).first()
        if row is None:
            return None
        fingerprint = row.updated_at + json.dumps(row.secrets, sort_keys=True) + json.dumps(row.public, sort_keys=True)
        with self._lock:
            cached = self._cache.get((org_id, gateway))
            if cached and cached[0] == fingerprint:
                return cached[1]
        built = self._build(row)
        with self._lock:
            self._cache[(org_id, gateway)] = (fingerprint, built)
        return built

    def forget(self, org_id: str, gateway: str) -> None:
        """A removed connection: drop its adapter."""
        with self._lock:
            self._cache.pop((org_id, gateway), None)

    def _secrets(self, row) -> dict:
        try:
            box = fernet(self.rt.config.setting("SECRETS_KEY"))
            return {n: box.decrypt(token.encode()).decode() for n, token in row.secrets.items()}
        except (SecretsKeyMissing, InvalidToken) as exc:
            raise ConnectionUnreadable(f"the {row.gateway} connection of org {row.org_id} cannot be decrypted") from exc

    def _build(self, row):
        plain = self._secrets(row)
        setting = self.rt.config.setting
        if row.gateway == "stripe":
            return StripeGateway(StripeSettings(plain["secret_key"], plain["webhook_secret"],
                                                api_base=setting("STRIPE_API_BASE") or None,
                                                webhook_tolerance_s=int(setting("STRIPE_WEBHOOK_TOLERANCE_S", "300")),
                                                session_ttl_s=session_ttl_s(self.rt.config)))
        return PayPalGateway(PayPalSettings(row.public["client_id"], plain["client_secret"], row.public["webhook_id"],
                                            api_base=setting("PAYPAL_API_BASE") or SANDBOX,
                                            webhook_tolerance_s=int(setting("PAYPAL_WEBHOOK_TOLERANCE_S", "300")),
                                            brand_name=setting("PAYPAL_BRAND_NAME") or None))
