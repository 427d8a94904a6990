"""Commands: what someone asks identity to do (imperative names)."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CreateOrganization:
    name: str
    slug: str
    host: str | None = None


@dataclass(frozen=True)
class ChangePortalSettings:
    org_id: str
    changes: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CreateCustomer:
    org_id: str
    name: str
    email: str
