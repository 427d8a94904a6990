"""JSON logs with the service, request and correlation ids on every line."""
import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from services.chassis import context


class _ContextFilter(logging.Filter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = context.current()
        record.service = self.service
        record.correlation_id = ctx.correlation_id if context._current.get() else None
        record.request_id = ctx.request_id
        return True


def configure(service: str, level: str = "INFO", json_format: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_format:
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(request_id)s %(correlation_id)s",
            rename_fields={"levelname": "level", "asctime": "time"}))
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_ContextFilter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
