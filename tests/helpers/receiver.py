"""A webhook receiver on loopback, as an internal system would run one: it checks
every delivery's signature and answers with the status codes it is told to."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from services.notifications.adapters.webhook_http import SIGNATURE_HEADER, verify


class Receiver:
    def __init__(self, answers: list[int] | None = None):
        self.answers = list(answers or [])      # consumed in order; then 200
        self.delay_s = 0.0                        # a slow endpoint: each answer waits this long
        self.secret: str | None = None
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(receiver.delay_s)
                receiver.requests.append({
                    "headers": dict(self.headers), "body": body,
                    "signed": receiver.secret is not None and verify(
                        receiver.secret, self.headers.get(SIGNATURE_HEADER, ""), body),
                    "json": json.loads(body)})
                self.send_response(receiver.answers.pop(0) if receiver.answers else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/portal"

    def delivery_ids(self) -> list[str]:
        return [r["headers"]["Portal-Delivery-Id"] for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
