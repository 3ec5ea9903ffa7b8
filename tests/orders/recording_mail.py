"""Mail backends for the worker-crash test: each sent message is a line in a file."""

import os
import time

from django.core.mail.backends.base import BaseEmailBackend


class RecordingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        delay = float(os.environ.get("RECORDING_MAIL_DELAY", "0"))
        for message in email_messages:
            with open(os.environ["RECORDING_MAIL_FILE"], "a") as log:
                log.write(f"sending {message.extra_headers['Message-ID']}\n")
            time.sleep(delay)  # the worker may be killed here, mid-delivery
            with open(os.environ["RECORDING_MAIL_FILE"], "a") as log:
                log.write(f"sent {message.extra_headers['Message-ID']}\n")
        return len(email_messages)
