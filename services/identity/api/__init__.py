"""identity's HTTP API (flask-smorest): one blueprint per area, thin translators from JSON to
commands; reads go to queries. bootstrap registers BLUEPRINTS in this order."""
from services.identity.api import api_keys, branding, domains, invitations, orgs, people, recovery, sessions, staff

BLUEPRINTS = [orgs.blp, people.blp, sessions.blp, recovery.blp, api_keys.blp, branding.blp, staff.blp,
              invitations.blp, domains.blp]
