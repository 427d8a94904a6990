"""Web process: gunicorn "services.orders.app:create_app()"."""
from services.chassis.web import create_service_app
from services.orders.bootstrap import SPEC


def create_app(config=None):
    return create_service_app(SPEC, config)
