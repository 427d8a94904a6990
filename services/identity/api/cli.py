"""The operator's command line for businesses (orgs), `python -m services.identity org ...`,
where identity runs (its database and settings): thin translators from arguments to the same
commands as the operator's HTTP API (a system token's POST /orgs, /orgs/{org}/suspend ...).

    org create --name "Acme Ltd" --slug acme --host portal.acme.example \\
               --owner-email ana@acme.example --owner-name "Ana Owner" [--link-base https://portal.acme.example]
               (the invitation's link: PORTAL_PUBLIC_URL with the host unless --link-base)
    org suspend --org <org_id> --reason "unpaid since March"
    org resume --org <org_id>
    org close --org <org_id>
    org list
"""
from __future__ import annotations

import json

from services.chassis.errors import PortalError
from services.identity.domain.commands import AddStaff, ChangeOrganizationStatus, CreateOrganization, SendInvitation
from services.identity.handlers import invitations, orgs, people
from services.identity.queries import directory


def org(rt, args) -> int:
    """Businesses on this deployment: create (with its first owner invited by mail), suspend, resume, close, list."""
    try:
        if args.action == "create":
            return _create(rt, args)
        if args.action == "list":
            for row in directory.all_orgs(rt):
                print(f"{row['org_id']}  {row['status']:<9}  {row['slug']:<20}  {row['host'] or '-'}  {row['name']}")
            return 0
        if not args.org:
            print("--org is required")
            return 2
        orgs.change_status(rt, ChangeOrganizationStatus(args.org, args.action, args.reason or ""))
    except PortalError as error:
        print(f"refused: {error.detail}")
        return 1
    print(json.dumps(dict(directory.organization(rt, org_id=args.org)), default=str))
    return 0


def _create(rt, args) -> int:
    missing = [name for name in ("name", "slug", "owner_email", "owner_name") if not getattr(args, name)]
    if missing:
        print("required: " + ", ".join("--" + m.replace("_", "-") for m in missing))
        return 2
    org_id = orgs.create_organization(rt, CreateOrganization(args.name, args.slug, args.host))
    owner = people.add_staff(rt, AddStaff(org_id, args.owner_email, args.owner_name, "owner"))
    link_base = args.link_base or _link_base(rt, args.host)
    if link_base:
        invitations.invite(rt, SendInvitation(org_id, owner, link_base.rstrip("/"), None, kind="staff"))
    print(json.dumps({"org_id": org_id, "owner_id": owner, "invited": bool(link_base)}))
    return 0


def _link_base(rt, host: str | None) -> str | None:
    """Where the owner's invitation points without --link-base: the org's host in
    PORTAL_PUBLIC_URL ("https://{host}" unless set), as every other mail's links and the
    gateway's; a bare https://<host> sent `make up`'s operator to a port nothing listens on."""
    if not host:
        return None
    return rt.config.setting("PORTAL_PUBLIC_URL", "https://{host}").format(host=host).rstrip("/")


def _arguments(parser) -> None:
    parser.add_argument("action", choices=["create", "suspend", "resume", "close", "list"])
    parser.add_argument("--org", help="the org's id (suspend, resume, close)")
    parser.add_argument("--reason", help="why it is suspended (shown to nobody but the operator and the log)")
    for name in ("name", "slug", "host", "owner-email", "owner-name", "link-base"):
        parser.add_argument(f"--{name}")


org.arguments = _arguments
