"""Web process: gunicorn "services.documents.app:create_app()". Its request bodies may carry
a file: up to the largest file staff may share (DOCUMENTS_MAX_FILE_MB) and a little form."""
from services.chassis.web import create_service_app
from services.documents.bootstrap import SPEC
from services.documents.handlers.files import staff_limit

FORM_ROOM = 64 * 1024


def create_app(config=None):
    app = create_service_app(SPEC, config)
    app.config["MAX_CONTENT_LENGTH"] = staff_limit(app.extensions["portal"]) + FORM_ROOM
    return app
