"""A real SMTP listener for tests (aiosmtpd), that can go away and come back."""
from __future__ import annotations

import email
from email import policy

from aiosmtpd.controller import Controller

from tests.helpers.broker import free_port


class Inbox:
    def __init__(self, port: int | None = None, on_data=None, refuse: set[str] | None = None):
        self.port = port or free_port()
        self.messages: list[email.message.EmailMessage] = []
        self.on_data = on_data              # called when a mail arrives, before the 250
        self.refuse = refuse or set()       # recipients answered with 550
        self.controller: Controller | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        if self.on_data:
            self.on_data()
        return "250 Message accepted for delivery"

    def start(self) -> "Inbox":
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]
