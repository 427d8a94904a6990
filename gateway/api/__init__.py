"""/api/v1, the JSON API for an org's internal systems (v1.py); its blueprint is "api_v1"."""
from gateway.api import v1

BLUEPRINTS = (v1.bp,)
