from django.core.mail.backends.base import BaseEmailBackend


class BrokenBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server down")


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses one address (settings.REFUSED_ADDRESS) and takes the
    rest into django.core.mail.outbox."""

    def send_messages(self, email_messages):
        from django.conf import settings
        from django.core import mail

        for message in email_messages:
            if settings.REFUSED_ADDRESS in message.to:
                raise ConnectionRefusedError(f"{settings.REFUSED_ADDRESS} refused")
            mail.outbox.append(message)
        return len(email_messages)


class UnreachableBackend(BaseEmailBackend):
    """A mail server nobody can connect to."""

    def open(self):
        raise ConnectionRefusedError("connection refused")

    def send_messages(self, email_messages):
        raise AssertionError("never reached")


class QuitFailsBackend(BaseEmailBackend):
    """A mail server that takes every message, then drops the line at QUIT."""

    def send_messages(self, email_messages):
        from django.core import mail

        mail.outbox.extend(email_messages)
        return len(email_messages)

    def close(self):
        raise ConnectionResetError("connection reset at QUIT")
