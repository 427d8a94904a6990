"""What identity is made of, wired once per process by services.chassis.runtime.bootstrap:
its tables and read models, its blueprints, its ports (password hashing, the notifications
mailer), the worker's loops, and which handler answers each command."""
from pathlib import Path

from services.chassis.runtime import ServiceSpec, subscriptions_of
from services.chassis.secretbox import SecretBox
from services.identity import projections, tables
from services.identity.adapters import outbox
from services.identity.api import cli, domains_cli
from services.identity.adapters.hashing import Argon2Hasher
from services.identity.domain import commands as c
from services.identity.handlers import (api_keys, branding, bulk_invitations, customers, domains, invitations, mfa, orgs,
                                        passwords, people, recovery, sessions, signin, signup, team)

COMMAND_HANDLERS = {
    c.CreateOrganization: orgs.create_organization,
    c.ChangePortalSettings: orgs.change_portal_settings,
    c.CreateCustomer: customers.create_customer,
    c.UpdateCustomer: customers.update_customer,
    c.PutLogo: branding.put_logo,
    c.RemoveLogo: branding.remove_logo,
    c.AddDomain: domains.add_domain,
    c.CheckDomain: domains.check_domain,
    c.RemoveDomain: domains.remove_domain,
    c.AddStaff: people.add_staff,
    c.AddContact: people.add_contact,
    c.ChangePermissions: people.change_permissions,
    c.UpdateProfile: people.update_profile,
    c.ChangeStaffRole: team.change_role,
    c.RemoveStaff: team.remove,
    c.SendInvitation: invitations.invite,
    c.ResendInvitation: invitations.resend,
    c.InviteMany: bulk_invitations.invite_many,
    c.AcceptInvitation: invitations.accept_invitation,
    c.SignIn: signin.sign_in,
    c.VerifyMfaCode: signin.verify_mfa,
    c.UseRecoveryCode: signin.use_recovery_code,
    c.ResolveSession: sessions.resolve,
    c.SignOut: sessions.sign_out,
    c.RevokeSessions: sessions.revoke_all,
    c.ChangePassword: passwords.change_password,
    c.StartMfaEnrolment: mfa.start_enrolment,
    c.ConfirmMfaEnrolment: mfa.confirm_enrolment,
    c.ResetMfa: mfa.reset,
    c.RequestPasswordReset: recovery.request_reset,
    c.AcceptPasswordReset: recovery.accept_reset,
    c.StartSignUp: signup.start_signup,
    c.VerifySignUp: signup.verify_signup,
    c.CreateApiKey: api_keys.create,
    c.RevokeApiKey: api_keys.revoke,
    c.ExchangeApiKey: api_keys.exchange,
}

# identity subscribes to no other service's events: its read models are fed by its own
# events through the event store (projections/), in the same transaction. Nothing to order.
EVENT_HANDLERS: dict = {}


def _blueprints():
    from services.identity.api import BLUEPRINTS
    return BLUEPRINTS


def _ports(rt) -> dict:
    """Built once per process; tests replace an entry with a fake that subclasses it."""
    config = rt.config
    return {
        "hasher": Argon2Hasher(time_cost=config.setting_int("ARGON2_TIME_COST", 2),
                               memory_kib=config.setting_int("ARGON2_MEMORY_KIB", 19456),
                               parallelism=config.setting_int("ARGON2_PARALLELISM", 1)),
        "mailer": outbox.client(config),
        "secrets": SecretBox(config.setting("SECRETS_KEY")),     # TOTP seeds at rest (IDENTITY_SECRETS_KEY)
    }


def _background():
    return [outbox.deliver_mail, recovery.forget_links]


SPEC = ServiceSpec(
    name="identity",
    title="identity service",
    metadata=tables.metadata,
    migrations=Path(__file__).parent / "migrations",
    projections=projections.all_projections,
    subscriptions=lambda: subscriptions_of(EVENT_HANDLERS),
    blueprints=_blueprints,
    background=_background,
    ports=_ports,
    commands={"org": cli.org,           # the operator's: python -m services.identity org create|suspend|...
              "domains": domains_cli.domains},   # domains ingress [--apply]: the verified domains' Ingress
)
