"""The one error format every HTTP API of the suite answers with: RFC 9457 problem details.

Clients (the gateway, internal systems) can then handle errors from any service the same way.
"""
from marshmallow import INCLUDE, Schema, fields, post_dump, validate

PROBLEM_JSON = "application/problem+json"


def problem(status: int, title: str, detail: str | None = None, type: str = "about:blank", **extensions) -> dict:
    """A problem details body; `extensions` add members such as `instance` or `errors`.

    `type` stays "about:blank" unless the problem has its own documented URI; `title` is
    the same for every occurrence of a type, `detail` says what went wrong this time.
    """
    body = {"type": type, "title": title, "status": status}
    if detail is not None:
        body["detail"] = detail
    body.update(extensions)
    return body


class ProblemSchema(Schema):
    """Problem details as they travel; extension members are kept (RFC 9457 allows them)."""

    type = fields.String(load_default="about:blank", dump_default="about:blank")
    title = fields.String(required=True)
    status = fields.Integer(required=True, strict=True, validate=validate.Range(min=100, max=599))
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict(keys=fields.String())

    class Meta:
        unknown = INCLUDE

    @post_dump(pass_original=True)
    def keep_extensions(self, data, original, **kwargs):
        """Dump keeps extension members too; marshmallow alone would drop undeclared keys."""
        if isinstance(original, dict):
            data.update({k: v for k, v in original.items() if k not in self.fields})
        return data
