"""The audit log (owners and admins): who changed which settings, access, API keys, e-mail
templates, webhooks and customer details, and when; a keyset page at a time, or every
filtered entry as CSV, streamed (a spreadsheet runs no cell of it as a formula)."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint

from services.chassis import auth, orgs
from services.chassis.db import read_only
from services.chassis.web import runtime
from services.notifications.api.schemas import AuditActorOut, AuditArgs, AuditFilterArgs, AuditPageOut
from services.notifications.domain.audit import spreadsheet_safe
from services.notifications.queries import audit as audit_queries
from services.notifications.queries.audit import AuditFilter

blp = Blueprint("audit", __name__, description="The audit log of configuration and access changes")

MANAGERS = ("owner", "admin")      # the people who make these changes read who made them
CSV_COLUMNS = (("at", "When (UTC)"), ("actor_name", "Who"), ("actor_kind", "Acting as"), ("actor_id", "Actor id"),
               ("area", "Area"), ("what", "What"), ("subject", "Subject"), ("subject_id", "Subject id"),
               ("type", "Event"), ("event_id", "Event id"))
CSV_ANSWER = dict(content_type="text/csv", schema={"type": "string", "format": "binary"})


def _filter(org_id: str, args: dict) -> AuditFilter:
    return AuditFilter(org_id, args["area"], args["actor"], args["since"], args["until"], args["q"])


def _known_org(org_id: str) -> None:
    with read_only(runtime().engine) as conn:
        orgs.get(conn, org_id)


@blp.route("/orgs/<org_id>/audit")
class Audit(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.arguments(AuditArgs, location="query")
    @blp.response(200, AuditPageOut)
    def get(self, args, org_id):
        """Newest first; the next page starts `after` this page's `next_cursor`."""
        _known_org(org_id)
        with read_only(runtime().engine) as conn:
            return audit_queries.page(conn, _filter(org_id, args), args["after"], args["limit"])


@blp.route("/orgs/<org_id>/audit/actors")
class Actors(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.response(200, AuditActorOut(many=True))
    def get(self, org_id):
        """Everyone who appears in the log as having acted (the "person" filter's choices)."""
        _known_org(org_id)
        with read_only(runtime().engine) as conn:
            return audit_queries.actors(conn, org_id)


@blp.route("/orgs/<org_id>/audit.csv")
class AuditCsv(MethodView):
    @auth.requires("staff", "system", roles=MANAGERS)
    @blp.arguments(AuditFilterArgs, location="query")
    @blp.response(200, description="Every entry the filters keep, newest first (attachment audit-<from>-<to>.csv).",
                  **CSV_ANSWER)
    def get(self, args, org_id):
        """The same filters as the log, every entry, streamed as CSV (UTF-8, a header row)."""
        _known_org(org_id)
        entries = audit_queries.every(runtime().engine, _filter(org_id, args))
        today = datetime.now(timezone.utc).date().isoformat()
        name = f"audit-{args['since'] or 'start'}-{args['until'] or today}.csv"
        return Response(stream_with_context(csv_lines(entries)), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}"',
                                 "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


def csv_lines(entries):
    """The header row, then a row per entry, one line at a time (the csv module quotes)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def line(cells) -> str:
        writer.writerow([spreadsheet_safe(c) for c in cells])
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    yield line(label for _, label in CSV_COLUMNS)
    for entry in entries:
        yield line(entry[key] for key, _ in CSV_COLUMNS)
