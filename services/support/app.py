"""Web process: gunicorn "services.support.app:create_app()"."""
from services.chassis.web import create_service_app
from services.support.bootstrap import SPEC


def create_app(config=None):
    return create_service_app(SPEC, config)
