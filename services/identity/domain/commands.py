"""Commands: what someone asks identity to do (imperative names). Each has one handler,
listed in bootstrap.COMMAND_HANDLERS. Secrets (passwords, tokens, codes, keys) stay out of
the repr, so a command never leaks one into a log line."""
from dataclasses import dataclass, field


# Orgs, portal settings, customers

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
    address: list[str] = field(default_factory=list)
    tax_id: str | None = None


@dataclass(frozen=True)
class UpdateCustomer:
    """All of a customer's details, as the form shows them (a snapshot, not a patch)."""
    org_id: str
    customer_id: str
    name: str
    email: str
    address: list[str] = field(default_factory=list)
    tax_id: str | None = None


@dataclass(frozen=True)
class ChangeOrganizationStatus:
    """The operator's: "suspend" (with a reason), "resume" or "close" an org."""
    org_id: str
    action: str
    reason: str = ""


@dataclass(frozen=True)
class ChooseCustomerModules:
    """The modules a customer's contacts may use, within the org's; None: all the org's."""
    org_id: str
    customer_id: str
    modules: list[str] | None


# Branding

@dataclass(frozen=True)
class PutLogo:
    org_id: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class RemoveLogo:
    org_id: str


@dataclass(frozen=True)
class AddDomain:
    org_id: str
    domain: str


@dataclass(frozen=True)
class CheckDomain:
    """Look the domain's TXT record up in DNS now; found, the domain is verified."""
    org_id: str
    domain: str


@dataclass(frozen=True)
class RemoveDomain:
    org_id: str
    domain: str


# Staff and contacts

@dataclass(frozen=True)
class AddStaff:
    org_id: str
    email: str
    name: str
    role: str = "agent"
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class AddContact:
    org_id: str
    customer_id: str
    email: str
    name: str
    permissions: list[str] = field(default_factory=lambda: ["view"])
    grantable: tuple | None = None       # the modules the caller holds (an API key's scopes); None: all


@dataclass(frozen=True)
class ChangePermissions:
    org_id: str
    contact_id: str
    permissions: list[str]
    modules: list[str] | None = None


@dataclass(frozen=True)
class UpdateProfile:
    org_id: str
    contact_id: str
    changes: dict


@dataclass(frozen=True)
class ChangeStaffRole:
    org_id: str
    staff_id: str
    role: str
    by_role: str


@dataclass(frozen=True)
class RemoveStaff:
    org_id: str
    staff_id: str
    by_role: str


# Invitations

@dataclass(frozen=True)
class SendInvitation:
    """To a contact or a staff member (`kind`)."""
    org_id: str
    user_id: str
    link_base: str
    inviter: str | None = None
    kind: str = "contact"
    grantable: tuple | None = None       # the modules the caller holds (an API key's scopes); None: all


@dataclass(frozen=True)
class ResendInvitation:
    """Staff send a contact's invitation again (rate limited per contact)."""
    org_id: str
    contact_id: str
    link_base: str
    inviter: str | None = None


@dataclass(frozen=True)
class InviteMany:
    """Invite a list of people (`items`: customer, email, name, permissions, language,
    create_customer); with `dry_run`, only say what would happen to each."""
    org_id: str
    items: tuple
    link_base: str
    inviter: str | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class AcceptInvitation:
    org_id: str
    token: str = field(repr=False)
    password: str = field(repr=False)
    ip: str | None = None
    user_agent: str | None = None


# Sign-in and sessions

@dataclass(frozen=True)
class SignIn:
    org_id: str
    kind: str
    email: str
    password: str = field(repr=False)
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class ResolveSession:
    org_id: str
    token: str = field(repr=False)


@dataclass(frozen=True)
class SignOut:
    org_id: str
    token: str = field(repr=False)


@dataclass(frozen=True)
class RevokeSessions:
    org_id: str
    user_id: str
    except_token: str | None = field(default=None, repr=False)
    reason: str = "revoked_by_staff"


@dataclass(frozen=True)
class ChangePassword:
    org_id: str
    token: str = field(repr=False)
    current_password: str = field(repr=False)
    new_password: str = field(repr=False)


# Two-step sign-in

@dataclass(frozen=True)
class VerifyMfaCode:
    org_id: str
    token: str = field(repr=False)
    code: str = field(repr=False)


@dataclass(frozen=True)
class UseRecoveryCode:
    org_id: str
    token: str = field(repr=False)
    code: str = field(repr=False)


@dataclass(frozen=True)
class StartMfaEnrolment:
    org_id: str
    token: str = field(repr=False)


@dataclass(frozen=True)
class ConfirmMfaEnrolment:
    org_id: str
    token: str = field(repr=False)
    code: str = field(repr=False)


@dataclass(frozen=True)
class ResetMfa:
    org_id: str
    user_id: str


# Password reset, self sign-up

@dataclass(frozen=True)
class RequestPasswordReset:
    org_id: str
    kind: str
    email: str
    link_base: str
    ip: str | None = None


@dataclass(frozen=True)
class AcceptPasswordReset:
    org_id: str
    token: str = field(repr=False)
    password: str = field(repr=False)
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class StartSignUp:
    org_id: str
    name: str
    company: str | None
    email: str
    password: str = field(repr=False)
    link_base: str
    ip: str | None = None


@dataclass(frozen=True)
class VerifySignUp:
    org_id: str
    token: str = field(repr=False)
    ip: str | None = None
    user_agent: str | None = None


# API keys

@dataclass(frozen=True)
class CreateApiKey:
    org_id: str
    name: str
    scopes: list[str]
    created_by: str | None = None


@dataclass(frozen=True)
class RevokeApiKey:
    org_id: str
    key_id: str


@dataclass(frozen=True)
class ExchangeApiKey:
    org_id: str
    key: str = field(repr=False)
