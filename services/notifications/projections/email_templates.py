"""Each org's own wording of its mails, projected from the EmailTemplate events."""
from sqlalchemy import Column, String, Table, Text, UniqueConstraint, delete, insert, update

from services.chassis.projections import Projection
from services.notifications.tables import metadata

email_templates = Table(
    "email_templates", metadata,
    Column("template_id", String(64), primary_key=True),
    Column("org_id", String(64), nullable=False),
    Column("kind", String(60), nullable=False),
    Column("locale", String(10), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text),
    UniqueConstraint("org_id", "kind", "locale", name="uq_template_org_kind_locale"),
)


class EmailTemplates(Projection):
    tables = (email_templates,)

    def when_EmailTemplateChanged(self, conn, e):
        d = e.data
        values = dict(subject=d["subject"], text=d["text"], html=d["html"])
        done = conn.execute(update(email_templates)
                            .where(email_templates.c.template_id == e.aggregate_id).values(**values))
        if done.rowcount == 0:
            conn.execute(insert(email_templates).values(
                template_id=e.aggregate_id, org_id=e.org_id, kind=d["kind"], locale=d["locale"],
                **values))

    def when_EmailTemplateReset(self, conn, e):
        conn.execute(delete(email_templates).where(email_templates.c.template_id == e.aggregate_id))
