"""/api/v1, the JSON API for an org's internal systems (v1.py); its blueprint is "api_v1".
documents.py adds the documents' routes (files in and out) to that blueprint,
service_requests.py the service requests', projects.py the projects' and timesheets',
credit_notes.py billing's credit notes'; openapi.py serves its OpenAPI document, made from
the services' own."""
from gateway.api import credit_notes, documents, openapi, projects, service_requests, v1

BLUEPRINTS = (v1.bp,)
