"""identity's API for an org's own domain names: add one (answers the TXT record to create),
check it now (DNS), remove it. Owners and admins of the org; a verified domain then finds the
org at GET /orgs/by-host/<domain> (api/orgs.py)."""
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth
from services.chassis.web import runtime
from services.identity.api.schemas import DomainIn, DomainOut
from services.identity.domain.commands import AddDomain, CheckDomain, RemoveDomain
from services.identity.domain.staff import MANAGERS
from services.identity.handlers import domains
from services.identity.queries.domains import domain_of, domains_of

blp = Blueprint("domains", __name__, description="An org's own domain names, proven by a DNS TXT record")


@blp.route("/orgs/<org_id>/domains")
class Domains(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.response(200, DomainOut(many=True))
    def get(self, org_id):
        return domains_of(runtime(), org_id)

    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.arguments(DomainIn)
    @blp.response(201, DomainOut)
    def post(self, body, org_id):
        """Pending until checked; 422 for a name that is not a host name, is taken or is one too many."""
        name = domains.add_domain(runtime(), AddDomain(org_id, body["domain"]))
        return domain_of(runtime(), org_id, name)


@blp.route("/orgs/<org_id>/domains/<domain>")
class Domain(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.response(200, DomainOut)
    def get(self, org_id, domain):
        return domain_of(runtime(), org_id, domain)

    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.response(204)
    def delete(self, org_id, domain):
        """Says DomainRemoved; the name serves nothing and is free for another org."""
        domains.remove_domain(runtime(), RemoveDomain(org_id, domain))


@blp.route("/orgs/<org_id>/domains/<domain>/check")
class Check(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.response(200, DomainOut)
    def post(self, org_id, domain):
        """Looks the TXT record up in DNS now: found, the domain is verified (DomainVerified);
        else `last_check` says what was found."""
        domains.check_domain(runtime(), CheckDomain(org_id, domain))
        return domain_of(runtime(), org_id, domain)
