"""Stand-ins for the network under the real `IdentityClient` (no sockets): an adapter that
records each request and answers from a function, and one that cannot connect."""
from __future__ import annotations

import json

import requests
from requests.adapters import BaseAdapter


class RecordingAdapter(BaseAdapter):
    def __init__(self, answer):
        super().__init__()
        self.answer = answer            # (PreparedRequest) -> (status, body or None, content type)
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request, **kwargs):
        self.sent.append(request)
        status, body, content_type = self.answer(request)
        response = requests.Response()
        response.status_code = status
        response._content = (body if isinstance(body, bytes) else
                             b"" if body is None else json.dumps(body).encode())
        response.headers["Content-Type"] = content_type
        response.request, response.url = request, request.url
        return response

    def close(self):
        pass

    def last_json(self):
        return json.loads(self.sent[-1].body) if self.sent[-1].body else None


class FailingAdapter(BaseAdapter):
    def send(self, request, **kwargs):
        raise requests.ConnectionError("connection refused")

    def close(self):
        pass
