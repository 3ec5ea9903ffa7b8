"""A real SMTP server for tests (aiosmtpd), on 127.0.0.1 and a free port, in a thread.

It records each message it accepts: the Message-ID, the envelope's recipients and the
subject. A message counts as delivered the moment the server has recorded it, just
before it answers 250: a client killed after that point has had its message accepted
(a second send of the same Message-ID is a duplicate), one killed during `delay` has not.

    with SmtpServer(delay=0.05) as smtp:
        settings.EMAIL_URL ...  # or pass smtp.email_url to a subprocess
        smtp.wait_for(150, timeout=90)
        assert smtp.duplicates() == {}
"""

import asyncio
import email
import email.policy
import logging
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"
# aiosmtpd logs every SMTP command at INFO: a failing test's report would be all that.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Delivered:
    message_id: str
    recipients: tuple
    subject: str
    at: float  # time.monotonic() when accepted


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.server.refuse_next_with:  # e.g. "421 too many messages": closes the session
            answer, self.server.refuse_next_with = self.server.refuse_next_with, None
            return answer
        delay = self.server.delay
        if delay:
            await asyncio.sleep(delay)  # a slow server: the client waits for the 250
        message = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        self.server._record(
            Delivered(
                message_id=str(message.get("Message-ID", "")).strip(),
                recipients=tuple(envelope.rcpt_tos),
                subject=str(message.get("Subject", "")),
                at=time.monotonic(),
            )
        )
        return "250 Message accepted for delivery"


def free_port():
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class SmtpServer:
    """start()/stop(), or use it as a context manager. `delay` (seconds per message) may
    be changed while it runs."""

    def __init__(self, *, delay=0.0):
        self.delay = delay
        # An answer for the next message instead of accepting it (then accepting again).
        self.refuse_next_with = None
        self.messages = []  # Delivered, in the order accepted
        self._changed = threading.Condition()
        self._controller = None
        self.port = None

    # --- life cycle ---
    def start(self):
        for _attempt in range(5):  # the free port may be taken between probe and bind
            port = free_port()
            controller = Controller(_Handler(self), hostname=HOST, port=port, ready_timeout=10)
            try:
                controller.start()
            except Exception:  # noqa: BLE001 - try another port
                continue
            self._controller, self.port = controller, port
            return self
        raise RuntimeError("could not start the test SMTP server")

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def email_url(self):
        """For django-environ's EMAIL_URL (a subprocess's environment)."""
        return f"smtp://{HOST}:{self.port}"

    @property
    def django_settings(self):
        """The EMAIL_* settings that make this process's Django send here."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": HOST,
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
        }

    # --- what arrived ---
    def _record(self, delivered):
        with self._changed:
            self.messages.append(delivered)
            self._changed.notify_all()

    def deliveries(self):
        """Counter: Message-ID -> how many times it was accepted."""
        with self._changed:
            return Counter(m.message_id for m in self.messages)

    def duplicates(self):
        """{Message-ID: count} for those accepted more than once."""
        return {mid: n for mid, n in self.deliveries().items() if n > 1}

    def distinct(self):
        return len(self.deliveries())

    def wait_for(self, count, *, timeout):
        """Wait until `count` distinct Message-IDs have arrived; True if they did within
        `timeout` seconds, False otherwise."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len({m.message_id for m in self.messages}) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True
