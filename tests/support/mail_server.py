"""A real SMTP server on localhost (aiosmtpd) that keeps what it receives, and can be told to refuse it."""
from __future__ import annotations

import email
import email.policy
import socket
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """`received`: the messages accepted, parsed; `refusing`: answer every message with a temporary failure (451)."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.refusing = False
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        if self.refusing:
            return "451 4.3.0 Try again later"
        self.received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"

    def start(self) -> Mailbox:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m, rcpt in zip(self.received, self.recipients) if address in rcpt]

    @property
    def settings(self) -> dict[str, str]:
        """The app's configuration to send through this server."""
        return {"UNIONFLOW_SMTP_HOST": "127.0.0.1", "UNIONFLOW_SMTP_PORT": str(self.port),
                "UNIONFLOW_SMTP_FROM": "工会流程平台 <union@example.com>", "UNIONFLOW_BASE_URL": "https://union.example.com"}
