"""The shared RFC 9457 error body."""
import pytest
from marshmallow import ValidationError

from contracts.problem import PROBLEM_JSON, ProblemSchema, problem


def test_problem_body():
    assert PROBLEM_JSON == "application/problem+json"
    assert problem(404, "Not Found") == {"type": "about:blank", "title": "Not Found", "status": 404}
    body = problem(422, "Unprocessable Content", "2 fields are invalid",
                   errors={"email": ["Not a valid email address."]}, instance="/invoices")
    assert body["detail"] == "2 fields are invalid" and body["instance"] == "/invoices"
    assert body["errors"] == {"email": ["Not a valid email address."]}


def test_problem_schema_keeps_extensions_and_checks_status():
    schema = ProblemSchema()
    body = problem(409, "Conflict", type="https://portal.example/problems/stale", trace_id="t-1")
    assert schema.dump(schema.load(body)) == body
    with pytest.raises(ValidationError):
        schema.load({"title": "Teapot", "status": 999})
    assert schema.load({"title": "Gone", "status": 410})["type"] == "about:blank"
