"""Events of the identity service: orgs, customers, contacts, staff, sign-in and sessions.

Security events (passwords, MFA, logins, sessions) concern a *user*: a contact or a staff
member, told apart by `user_kind`; `customer_id` is set for contacts and null for staff.
"""
from marshmallow import fields, validate

from contracts.events.base import EventSchema, StrictSchema
from contracts.fields import Id, UtcDateTime, choice

MODULES = (
    "invoices", "payments", "credit_notes", "sales_orders", "deliveries", "service_requests",
    "projects", "timesheets", "tickets", "documents", "quotes", "reviews",
)
PERMISSIONS = ("view", "download", "pay", "submit_tickets", "upload", "approve", "forward")
# The set-up walk's steps staff confirm themselves (the console finds the others done on its own).
SETUP_CONFIRMED = ("access", "templates", "security")
# The languages the portal's pages come in (the gateway's catalogues), for an org's default.
PORTAL_LANGUAGES = ("en", "de", "fr", "ar")
USER_KINDS = ("contact", "staff")
SLUG = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
ADDRESS_LINES = 6


def address_field(**kwargs) -> fields.List:
    """A postal address as billing's documents print it: up to six free lines."""
    return fields.List(fields.String(validate=validate.Length(max=200)),
                       validate=validate.Length(max=ADDRESS_LINES), **kwargs)


def tax_id_field(**kwargs) -> fields.String:
    """A tax id (VAT number or the like), as given."""
    return fields.String(allow_none=True, validate=validate.Length(max=50), **kwargs)


class PortalSettings(StrictSchema):
    """An org's portal settings: the modules its customers see, feature switches, and its
    brand (a colour readable under white text, and the digest naming its logo image)."""

    modules = fields.List(choice(*MODULES), required=True)
    portal_enabled = fields.Boolean(required=True)
    mfa_required = fields.Boolean(required=True)
    self_signup = fields.Boolean(required=True)
    forward_documents = fields.Boolean(required=True)
    bulk_payments = fields.Boolean(required=True)
    partial_payments = fields.Boolean(required=True)
    # Added after v1 (optional): contacts of a customer see each other's tickets (support);
    # how long after resolving a contact may reopen a ticket; one service review per period.
    share_tickets = fields.Boolean()
    ticket_reopen_days = fields.Integer(strict=True, validate=validate.Range(min=0, max=365))
    review_period_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=365))
    brand_colour = fields.String(allow_none=True, validate=validate.Regexp(r"^#[0-9a-f]{6}$"))
    logo = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))
    # Added after v1 (optional): customers' uploads on or off, and their largest file (documents).
    customer_uploads = fields.Boolean()
    upload_limit_mb = fields.Integer(strict=True, validate=validate.Range(min=1, max=100))
    # Added after v1 (optional): the org as the seller on its documents (billing's PDFs): its
    # postal address, one line each, and its tax id (VAT number).
    seller_address = address_field()
    seller_tax_id = tax_id_field()
    # Added after v1 (optional): the org is trying the portal out: the simulated gateway (no
    # money moves) is offered only then, where the deployment allows it at all, and every
    # page and mail says so. A new org starts in test mode; absent, as before: not.
    test_mode = fields.Boolean()
    # Added after v1 (optional): the set-up walk's steps staff said are done (the console home's
    # checklist; the steps it can see done on its own are not kept).
    setup_done = fields.List(choice(*SETUP_CONFIRMED))
    # Added after v1 (optional): the language of the org's pages for a visitor whose browser
    # asks for none the portal offers (and who chose none); absent, as before: English.
    default_language = choice(*PORTAL_LANGUAGES)


class OrganizationCreated(EventSchema):
    """A business got its portal; `host` is its custom domain (null until it has one)."""

    event_type = "OrganizationCreated"
    aggregate_type = "Organization"

    org_id = Id(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1))
    slug = fields.String(required=True, validate=validate.Regexp(SLUG))
    host = fields.String(required=True, allow_none=True, validate=validate.Length(min=1, max=253))
    settings = fields.Nested(PortalSettings, required=True)


class OrganizationSuspended(EventSchema):
    """The operator closed the org's portal for now (unpaid, under review, asked for): nobody of
    it signs in, no key of it works, its pages say so. Its data stays."""

    event_type = "OrganizationSuspended"
    aggregate_type = "Organization"

    org_id = Id(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class OrganizationResumed(EventSchema):
    """The operator opened a suspended org's portal again."""

    event_type = "OrganizationResumed"
    aggregate_type = "Organization"

    org_id = Id(required=True)


class OrganizationClosed(EventSchema):
    """The operator closed the org for good: its host names answer nothing, nothing of it signs
    in again, and its host name is free for another org. Its events stay (the record)."""

    event_type = "OrganizationClosed"
    aggregate_type = "Organization"

    org_id = Id(required=True)


class PortalSettingsChanged(EventSchema):
    """The org's settings after the change (a snapshot, so order and gaps do not matter);
    `changed` names the settings that moved."""

    event_type = "PortalSettingsChanged"
    aggregate_type = "Organization"

    org_id = Id(required=True)
    changed = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    settings = fields.Nested(PortalSettings, required=True)


HOST_NAME = r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"


class DomainAdded(EventSchema):
    """Staff added a domain name of their own to the org's portal. It is pending, never served,
    until the TXT record at `_portal-verify.<domain>` carries `record_value` (the public
    proof, `portal-verify=` and a random part: it is no secret, DNS shows it to anyone)."""

    event_type = "DomainAdded"
    aggregate_type = "Organization"

    org_id = Id(required=True)
    domain = fields.String(required=True, validate=validate.Regexp(HOST_NAME))
    record_value = fields.String(required=True, validate=validate.Regexp(r"^portal-verify=[0-9a-z]{16,64}$"))


class DomainVerified(EventSchema):
    """The domain's TXT record was found: from now on the portal is served at it (and it gets
    its own certificate)."""

    event_type = "DomainVerified"
    aggregate_type = "Organization"

    org_id = Id(required=True)
    domain = fields.String(required=True, validate=validate.Regexp(HOST_NAME))


class DomainRemoved(EventSchema):
    """Staff took a domain away (pending or verified): it serves nothing and is free again."""

    event_type = "DomainRemoved"
    aggregate_type = "Organization"

    org_id = Id(required=True)
    domain = fields.String(required=True, validate=validate.Regexp(HOST_NAME))


class CustomerCreated(EventSchema):
    """A customer (a company or person the business serves); `external_ref` is the ERP's id."""

    event_type = "CustomerCreated"
    aggregate_type = "Customer"

    customer_id = Id(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1))
    email = fields.Email(required=True, allow_none=True)
    external_ref = fields.String(required=True, allow_none=True)
    # Added after v1 (optional): where invoices are addressed, one line each, and the
    # customer's tax id (VAT number), both printed under "Bill to" on billing's PDFs.
    address = address_field()
    tax_id = tax_id_field()


class CustomerUpdated(EventSchema):
    """A customer's details after the change (a snapshot, so order and gaps do not matter);
    `changed` names the fields that moved."""

    event_type = "CustomerUpdated"
    aggregate_type = "Customer"

    customer_id = Id(required=True)
    changed = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    name = fields.String(required=True, validate=validate.Length(min=1))
    email = fields.Email(required=True, allow_none=True)
    address = address_field(required=True)
    tax_id = tax_id_field(required=True)


class CustomerModulesChanged(EventSchema):
    """The modules a customer's contacts may use, within the org's: a list narrows them,
    null gives back whatever the org switches on (now and later)."""

    event_type = "CustomerModulesChanged"
    aggregate_type = "Customer"

    customer_id = Id(required=True)
    modules = fields.List(choice(*MODULES), required=True, allow_none=True)


class ContactAdded(EventSchema):
    """A contact person was added to a customer: by staff (they can sign in once invited and
    activated), or by signing up themselves (then ContactSignedUp follows at once)."""

    event_type = "ContactAdded"
    aggregate_type = "Contact"

    contact_id = Id(required=True)
    customer_id = Id(required=True)
    email = fields.Email(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1))
    permissions = fields.List(choice(*PERMISSIONS), required=True)


class ContactInvited(EventSchema):
    """A contact was invited; the invitation token never leaves identity."""

    event_type = "ContactInvited"
    aggregate_type = "Contact"

    contact_id = Id(required=True)
    customer_id = Id(required=True)
    email = fields.Email(required=True)
    name = fields.String(required=True, allow_none=True)
    expires_at = UtcDateTime(required=True)


class ContactActivated(EventSchema):
    """An invited contact accepted the invitation and can sign in."""

    event_type = "ContactActivated"
    aggregate_type = "Contact"

    contact_id = Id(required=True)
    customer_id = Id(required=True)
    email = fields.Email(required=True)


class ContactSignedUp(EventSchema):
    """A person signed up on their own (where the org allows it)."""

    event_type = "ContactSignedUp"
    aggregate_type = "Contact"

    contact_id = Id(required=True)
    customer_id = Id(required=True)
    email = fields.Email(required=True)
    name = fields.String(required=True)


class ProfileUpdated(EventSchema):
    """A contact's profile after the change; `changed` names the fields that moved."""

    event_type = "ProfileUpdated"
    schema_version = 2                  # 2: `language` may be null (not chosen)
    aggregate_type = "Contact"

    contact_id = Id(required=True)
    customer_id = Id(required=True)
    changed = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    name = fields.String(required=True)
    email = fields.Email(required=True)
    phone = fields.String(required=True, allow_none=True)
    language = fields.String(allow_none=True, validate=validate.Length(min=2, max=10),
                             metadata={"description": "None: not chosen (pages follow the browser, mails the org's default)."})
    address = fields.Dict(keys=fields.String(), values=fields.String())
    notify = fields.Dict(keys=fields.String(), values=fields.Boolean(),
                         metadata={"description": "Which non-essential mails the contact wants."})


class PermissionsChanged(EventSchema):
    """A contact's module access and permissions after the change (deny by default)."""

    event_type = "PermissionsChanged"
    aggregate_type = "Contact"

    contact_id = Id(required=True)
    customer_id = Id(required=True)
    modules = fields.List(choice(*MODULES), required=True)
    permissions = fields.List(choice(*PERMISSIONS), required=True)


class StaffMemberAdded(EventSchema):
    """Someone of the business can now use the staff console."""

    event_type = "StaffMemberAdded"
    aggregate_type = "StaffMember"

    staff_id = Id(required=True)
    email = fields.Email(required=True)
    name = fields.String(required=True)
    role = choice("owner", "admin", "agent", required=True)


class StaffInvited(EventSchema):
    """A staff member was invited to the console; the invitation token never leaves identity."""

    event_type = "StaffInvited"
    aggregate_type = "StaffMember"

    staff_id = Id(required=True)
    email = fields.Email(required=True)
    name = fields.String(required=True)
    role = choice("owner", "admin", "agent", required=True)
    expires_at = UtcDateTime(required=True)


class StaffMemberActivated(EventSchema):
    """A staff member set a password (by invitation, or was added with one) and can sign in."""

    event_type = "StaffMemberActivated"
    aggregate_type = "StaffMember"

    staff_id = Id(required=True)
    email = fields.Email(required=True)


class StaffRoleChanged(EventSchema):
    """A staff member's role changed (only owners make or unmake owners)."""

    event_type = "StaffRoleChanged"
    aggregate_type = "StaffMember"

    staff_id = Id(required=True)
    role = choice("owner", "admin", "agent", required=True)
    previous_role = choice("owner", "admin", "agent", required=True)


class StaffMemberRemoved(EventSchema):
    """A staff member left the console: their sessions ended and they cannot sign in."""

    event_type = "StaffMemberRemoved"
    aggregate_type = "StaffMember"

    staff_id = Id(required=True)
    email = fields.Email(required=True)


class PasswordChanged(EventSchema):
    """A user's password was changed (by them) or reset (by link); the password itself never travels."""

    event_type = "PasswordChanged"
    aggregate_type = "User"

    user_kind = choice(*USER_KINDS, required=True)
    user_id = Id(required=True)
    customer_id = Id(required=True, allow_none=True)
    method = choice("change", "reset", required=True)


class MfaEnabled(EventSchema):
    """A user enrolled a second factor."""

    event_type = "MfaEnabled"
    aggregate_type = "User"

    user_kind = choice(*USER_KINDS, required=True)
    user_id = Id(required=True)
    customer_id = Id(required=True, allow_none=True)
    method = choice("totp", required=True)


class MfaDisabled(EventSchema):
    """A user's second factor was removed (by them or reset by staff: see the envelope's actor)."""

    event_type = "MfaDisabled"
    aggregate_type = "User"

    user_kind = choice(*USER_KINDS, required=True)
    user_id = Id(required=True)
    customer_id = Id(required=True, allow_none=True)


class LoginSucceeded(EventSchema):
    """A user signed in and a session started; `mfa` says whether a second factor was passed."""

    event_type = "LoginSucceeded"
    aggregate_type = "Session"

    session_id = Id(required=True)
    user_kind = choice(*USER_KINDS, required=True)
    user_id = Id(required=True)
    customer_id = Id(required=True, allow_none=True)
    mfa = fields.Boolean(required=True)
    ip = fields.IP(required=True, allow_none=True, metadata={"description": "IPv4 or IPv6 address."})
    user_agent = fields.String(required=True, allow_none=True)


class LoginFailed(EventSchema):
    """A sign-in was refused. When no user matches the e-mail, `user_id` is null and the
    envelope's aggregate_id is uuid5(NAMESPACE_URL, "mailto:" + lower-cased e-mail), so the
    attempts on one address stay in order on one partition."""

    event_type = "LoginFailed"
    aggregate_type = "User"

    email = fields.String(required=True)
    user_kind = choice(*USER_KINDS, required=True, allow_none=True)
    user_id = Id(required=True, allow_none=True)
    reason = choice(
        "unknown_user", "bad_password", "bad_mfa_code", "locked", "disabled", "rate_limited",
        required=True,
    )
    ip = fields.IP(required=True, allow_none=True, metadata={"description": "IPv4 or IPv6 address."})
    user_agent = fields.String(required=True, allow_none=True)


class SessionRevoked(EventSchema):
    """A session ended before its time-out: logout, password change, or staff action."""

    event_type = "SessionRevoked"
    aggregate_type = "Session"

    session_id = Id(required=True)
    user_kind = choice(*USER_KINDS, required=True)
    user_id = Id(required=True)
    customer_id = Id(required=True, allow_none=True)
    reason = choice("logout", "password_changed", "mfa_changed", "revoked_by_staff", "expired", required=True)


API_KEY_SCOPES = ("customers",) + MODULES


class ApiKeyCreated(EventSchema):
    """Staff made an API key for an internal system. The key itself never travels: only its
    first characters (`prefix`, to recognise it in a list) and what it may reach."""

    event_type = "ApiKeyCreated"
    aggregate_type = "ApiKey"

    key_id = Id(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    prefix = fields.String(required=True, validate=validate.Length(min=4, max=20))
    scopes = fields.List(choice(*API_KEY_SCOPES), required=True, validate=validate.Length(min=1))


class ApiKeyRevoked(EventSchema):
    """An API key stopped working for good."""

    event_type = "ApiKeyRevoked"
    aggregate_type = "ApiKey"

    key_id = Id(required=True)
    name = fields.String(required=True)
