"""A file email backend that takes a while per message, so a test can kill a worker mid-batch."""

import os
import time

from django.core.mail.backends.filebased import EmailBackend


class SlowFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        time.sleep(float(os.environ.get("FAIRFUND_TEST_EMAIL_DELAY", "0.3")))
        return super().send_messages(email_messages)
