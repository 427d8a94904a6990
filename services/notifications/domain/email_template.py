"""An org's wording of one kind of mail in one language. The service parses the
template (sandboxed Jinja2) and hands over the names it uses; the rule is here:
only the kind's placeholders, so a typo is an error at save time, not a blank in
a customer's inbox."""
from __future__ import annotations

import re
import uuid

from services.chassis.aggregate import Aggregate
from services.chassis.errors import DomainError, NotFound
from services.notifications.domain.mail_kinds import KINDS, Kind

LOCALE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
NAMESPACE = uuid.UUID("0f6b1c2e-8d4b-4f0e-9a51-2b7e4c9d1a77")


def kind_of(name: str) -> Kind:
    if name not in KINDS:
        raise NotFound(f"No kind of e-mail called {name}.")
    return KINDS[name]


def template_id(org_id: str, kind: str, locale: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{org_id}/{kind}/{locale}"))


def check_placeholders(kind: Kind, used: set[str], field: str = "template") -> None:
    """`field` names the part (subject, text, html) the console shows the error at."""
    if kind.fixed_link and "link" in used:
        raise DomainError("Leave {{ link }} out: the portal adds this mail's one-time link below your text, "
                          "so that no template can send it elsewhere.", field=field)
    unknown = sorted(used - kind.allowed)
    if unknown:
        raise DomainError(f"Unknown placeholder: {', '.join(unknown)}. "
                          f"This mail may use: {', '.join(sorted(kind.allowed))}.", field=field)


class EmailTemplate(Aggregate):
    aggregate_type = "EmailTemplate"

    def __init__(self, aggregate_id: str, org_id: str):
        super().__init__(aggregate_id, org_id)
        self.custom = False

    @classmethod
    def start(cls, org_id: str, kind: str, locale: str) -> "EmailTemplate":
        if not LOCALE.match(locale):
            raise DomainError("A language looks like en or en-GB.", field="locale")
        kind_of(kind)
        return cls(template_id(org_id, kind, locale), org_id)

    def change(self, kind: str, locale: str, subject: str, text: str, html: str | None,
               used: set[str]) -> None:
        check_placeholders(kind_of(kind), used)
        if not subject.strip() or not text.strip():
            raise DomainError("A mail needs a subject and a text body.", field="template")
        self.record("EmailTemplateChanged", {"kind": kind, "locale": locale, "subject": subject,
                                             "text": text, "html": html})

    def reset(self, kind: str, locale: str) -> None:
        if self.custom:
            self.record("EmailTemplateReset", {"kind": kind, "locale": locale})

    def when_EmailTemplateChanged(self, data: dict) -> None:
        self.custom = True

    def when_EmailTemplateReset(self, data: dict) -> None:
        self.custom = False
