"""The shapes of identity's HTTP API (marshmallow, documented in /openapi.json), by area."""
from marshmallow import Schema, fields, validate

from contracts.events.identity import API_KEY_SCOPES, PORTAL_LANGUAGES, SETUP_CONFIRMED
from services.identity.domain.branding import LOGO_MAX_BYTES
from services.identity.domain.contact import ADDRESS_FIELDS, LANGUAGES, NOTICES, PERMISSIONS
from services.identity.domain.invitation_rows import BULK_MAX_ITEMS, INVITATION_STATUSES
from services.identity.domain.organization import MODULES
from services.identity.domain.staff import ROLES


# Orgs, portal settings, customers

class OrganizationIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    slug = fields.String(required=True, validate=validate.Length(min=1, max=50))
    host = fields.String(load_default=None, validate=validate.Length(max=255))


class SettingsIn(Schema):
    portal_enabled = fields.Boolean()
    mfa_required = fields.Boolean()
    self_signup = fields.Boolean()
    forward_documents = fields.Boolean()
    bulk_payments = fields.Boolean()
    partial_payments = fields.Boolean()
    share_tickets = fields.Boolean()
    ticket_reopen_days = fields.Integer(strict=True)
    review_period_days = fields.Integer(strict=True)
    customer_uploads = fields.Boolean()
    test_mode = fields.Boolean()
    setup_done = fields.List(fields.String(validate=validate.OneOf(SETUP_CONFIRMED)))
    default_language = fields.String(validate=validate.OneOf(PORTAL_LANGUAGES))
    upload_limit_mb = fields.Integer(strict=True)
    brand_colour = fields.String(allow_none=True, validate=validate.Length(max=20))
    modules = fields.List(fields.String(validate=validate.OneOf(MODULES)))
    seller_address = fields.List(fields.String(validate=validate.Length(max=200)), validate=validate.Length(max=6))
    seller_tax_id = fields.String(allow_none=True, validate=validate.Length(max=50))


class OrganizationOut(Schema):
    org_id = fields.String()
    name = fields.String()
    slug = fields.String()
    host = fields.String(allow_none=True)
    settings = fields.Dict()
    status = fields.String(metadata={"description": "active, suspended or closed (the operator's)"})


class SuspendIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class CustomerIn(Schema):
    """A customer's details; `address` is its billing address, one line each (at most six),
    `tax_id` its VAT number or the like: both print under "Bill to" on its invoices."""
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True)
    address = fields.List(fields.String(validate=validate.Length(max=200)), load_default=list,
                          validate=validate.Length(max=6))
    tax_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50))


class CustomerQuery(Schema):
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    after = fields.String(load_default=None, validate=validate.Length(max=600))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))


class CustomerOut(Schema):
    customer_id = fields.String()
    org_id = fields.String()
    name = fields.String()
    email = fields.String()
    address = fields.Function(lambda customer: list(customer["address"] or []),
                              metadata={"type": "array", "items": {"type": "string"}})
    tax_id = fields.String(allow_none=True)
    modules = fields.List(fields.String(), allow_none=True, dump_default=None,
                          metadata={"description": "the modules its contacts may use within the org's; "
                                                   "null: all of the org's"})


class ContactCountsOut(Schema):
    """How many of the org's contacts are in each state (the set-up walk's "invite customers")."""
    created = fields.Integer()
    invited = fields.Integer()
    active = fields.Integer()
    disabled = fields.Integer()


class CustomerModulesIn(Schema):
    """null gives the customer back every module the org switches on."""
    modules = fields.List(fields.String(validate=validate.OneOf(MODULES)), required=True, allow_none=True)


# Sign-in, sessions, MFA

class SignInIn(Schema):
    kind = fields.String(load_default="contact", validate=validate.OneOf(["contact", "staff"]))
    email = fields.String(required=True, validate=validate.Length(min=1, max=320))
    password = fields.String(required=True, validate=validate.Length(max=4000))
    ip = fields.String(load_default=None, validate=validate.Length(max=64))
    user_agent = fields.String(load_default=None, validate=validate.Length(max=1000))


class TokenIn(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))


class CodeIn(TokenIn):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))


class RevokeIn(Schema):
    except_token = fields.String(load_default=None, validate=validate.Length(max=200))
    reason = fields.String(load_default="revoked_by_staff",
                           validate=validate.OneOf(["logout", "revoked_by_staff"]))


class PasswordChangeIn(TokenIn):
    current_password = fields.String(required=True, validate=validate.Length(max=4000))
    new_password = fields.String(required=True, validate=validate.Length(max=4000))


class PrincipalOut(Schema):
    kind = fields.String()
    id = fields.String()
    org_id = fields.String()
    customer_id = fields.String()
    customer_name = fields.String()
    role = fields.String()
    email = fields.String()
    name = fields.String()
    language = fields.String(allow_none=True)
    permissions = fields.List(fields.String())
    modules = fields.List(fields.String())
    mfa_enabled = fields.Boolean()


class SessionOut(Schema):
    token = fields.String()
    state = fields.String()
    next = fields.String(allow_none=True)
    expires_at = fields.String()
    idle_expires_at = fields.String()
    principal = fields.Nested(PrincipalOut)
    recovery_codes = fields.List(fields.String())
    internal_token = fields.String()


class EnrolmentOut(Schema):
    secret = fields.String()
    otpauth_uri = fields.String()
    qr_svg = fields.String()


# Staff, contacts, invitations, profiles

class StaffIn(Schema):
    email = fields.Email(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(load_default="agent", validate=validate.OneOf(ROLES))
    password = fields.String(load_default=None, validate=validate.Length(max=4000))


class StaffOut(Schema):
    staff_id = fields.String()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    mfa_enabled = fields.Boolean()
    status = fields.String()


class RoleIn(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class ContactIn(Schema):
    email = fields.Email(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    permissions = fields.List(fields.String(validate=validate.OneOf(PERMISSIONS)), load_default=["view"])


class ContactOut(Schema):
    contact_id = fields.String()
    customer_id = fields.String()
    email = fields.String()
    name = fields.String()
    status = fields.String()
    permissions = fields.List(fields.String())
    modules = fields.List(fields.String())
    mfa_enabled = fields.Boolean()


class InviteIn(Schema):
    link_base = fields.Url(required=True, require_tld=False)
    inviter = fields.String(load_default=None, validate=validate.Length(max=200))


class BulkItemIn(Schema):
    """One person to invite. Values are checked per item (the answer names what is wrong
    with each), so here only their size: `customer` is a customer's id or exact name."""
    customer = fields.String(load_default="", validate=validate.Length(max=200))
    email = fields.String(load_default="", validate=validate.Length(max=320))
    name = fields.String(load_default="", validate=validate.Length(max=200))
    permissions = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list,
                              validate=validate.Length(max=20))
    language = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10))
    create_customer = fields.Boolean(load_default=False)


class BulkInviteIn(InviteIn):
    items = fields.List(fields.Nested(BulkItemIn), required=True,
                        validate=validate.Length(min=1, max=BULK_MAX_ITEMS))
    dry_run = fields.Boolean(load_default=False)


class BulkResultOut(Schema):
    index = fields.Integer()
    outcome = fields.String(metadata={"description": "invite (dry run), invited, already_invited, "
                                                     "already_contact, failed"})
    field = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    email = fields.String()
    name = fields.String()
    customer_id = fields.String(allow_none=True)
    customer_name = fields.String()
    new_customer = fields.Boolean()
    contact_id = fields.String(allow_none=True)
    permissions = fields.List(fields.String())
    language = fields.String(allow_none=True)


class BulkInviteOut(Schema):
    items = fields.List(fields.Nested(BulkResultOut))
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class InvitationQuery(CustomerQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(INVITATION_STATUSES))


class InvitationRowOut(Schema):
    contact_id = fields.String()
    customer_id = fields.String()
    customer_name = fields.String()
    email = fields.String()
    name = fields.String()
    status = fields.String(metadata={"description": "pending, expired, active, not_invited, disabled"})
    invited_at = fields.String(allow_none=True)
    expires_at = fields.String(allow_none=True)
    accepted_at = fields.String(allow_none=True)


class PermissionsIn(Schema):
    permissions = fields.List(fields.String(validate=validate.OneOf(PERMISSIONS)), required=True)
    modules = fields.List(fields.String(validate=validate.OneOf(MODULES)), load_default=None)


class AcceptIn(TokenIn):
    password = fields.String(required=True, validate=validate.Length(max=4000))
    ip = fields.String(load_default=None, validate=validate.Length(max=64))
    user_agent = fields.String(load_default=None, validate=validate.Length(max=1000))


class InvitationOut(Schema):
    email = fields.String()
    name = fields.String()
    customer_name = fields.String(allow_none=True)
    kind = fields.String()


Address = Schema.from_dict({name: fields.String(validate=validate.Length(max=200))
                            for name in ADDRESS_FIELDS}, name="Address")
Notify = Schema.from_dict({name: fields.Boolean() for name in NOTICES}, name="Notify")


class ProfileIn(Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    phone = fields.String(allow_none=True, validate=validate.Length(max=50))
    # None or "": not chosen (the browser's language)
    language = fields.String(allow_none=True, validate=validate.OneOf([*LANGUAGES, ""]))
    address = fields.Nested(Address)
    notify = fields.Nested(Notify)


class ProfileOut(Schema):
    name = fields.String()
    phone = fields.String(allow_none=True)
    language = fields.String(allow_none=True)
    address = fields.Dict()
    notify = fields.Dict()


# Password reset, self sign-up

class ResetRequestIn(Schema):
    kind = fields.String(load_default="contact", validate=validate.OneOf(["contact", "staff"]))
    email = fields.String(required=True, validate=validate.Length(min=1, max=320))
    link_base = fields.Url(required=True, require_tld=False)
    ip = fields.String(load_default=None, validate=validate.Length(max=64))


class ResetAcceptIn(TokenIn):
    password = fields.String(required=True, validate=validate.Length(max=4000))
    ip = fields.String(load_default=None, validate=validate.Length(max=64))
    user_agent = fields.String(load_default=None, validate=validate.Length(max=1000))


class ResetOut(Schema):
    email = fields.String()
    kind = fields.String()


class SentOut(Schema):
    message = fields.String()


class SignUpIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    company = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    email = fields.Email(required=True, validate=validate.Length(max=320))
    password = fields.String(required=True, validate=validate.Length(max=4000))
    link_base = fields.Url(required=True, require_tld=False)
    ip = fields.String(load_default=None, validate=validate.Length(max=64))


class VerifyIn(TokenIn):
    ip = fields.String(load_default=None, validate=validate.Length(max=64))
    user_agent = fields.String(load_default=None, validate=validate.Length(max=1000))


# Brand

class LogoIn(Schema):
    # Generous here so that an image slightly too big hears its size from the domain check.
    data = fields.String(required=True, validate=validate.Length(min=1, max=LOGO_MAX_BYTES * 2))


class LogoOut(Schema):
    version = fields.String()
    content_type = fields.String()
    size = fields.Integer()


# Custom domains

class DomainIn(Schema):
    domain = fields.String(required=True, validate=validate.Length(min=1, max=300))


class DnsRecordOut(Schema):
    type = fields.String(metadata={"description": "TXT"})
    name = fields.String(metadata={"description": "_portal-verify.<domain>"})
    value = fields.String(metadata={"description": "portal-verify=<token>"})


class DomainCheckOut(Schema):
    checked_at = fields.Float(metadata={"description": "epoch seconds"})
    outcome = fields.String(metadata={"description": "verified, mismatch (other TXT values found), no_record "
                                                     "(the name has no TXT record), no_name (the name does not "
                                                     "exist) or no_answer (DNS did not answer)"})
    found = fields.List(fields.String(), metadata={"description": "the TXT values found at the record's name"})


class DomainOut(Schema):
    domain = fields.String()
    status = fields.String(metadata={"description": "pending (never served) or verified (served)"})
    added_at = fields.String()
    verified_at = fields.String(allow_none=True)
    record = fields.Nested(DnsRecordOut, metadata={"description": "the DNS record that proves the org holds it"})
    target = fields.String(allow_none=True, metadata={
        "description": "where the domain's CNAME (or A record) must point (IDENTITY_PORTAL_TARGET)"})
    last_check = fields.Nested(DomainCheckOut, allow_none=True)


# API keys

class KeyIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    scopes = fields.List(fields.String(validate=validate.OneOf(API_KEY_SCOPES)), required=True,
                         validate=validate.Length(min=1))


class KeyOut(Schema):
    key_id = fields.String()
    name = fields.String()
    prefix = fields.String()
    scopes = fields.List(fields.String())
    created_at = fields.Float()
    last_used_at = fields.Float(allow_none=True)
    revoked_at = fields.Float(allow_none=True)
    active = fields.Boolean()


class KeyCreated(KeyOut):
    key = fields.String(metadata={"description": "The key itself: shown this once, never again."})


class ExchangeIn(Schema):
    key = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ExchangeOut(Schema):
    internal_token = fields.String()
    key_id = fields.String()
    name = fields.String()
    scopes = fields.List(fields.String())
    expires_in = fields.Integer()
