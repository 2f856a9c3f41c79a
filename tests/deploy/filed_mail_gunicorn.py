"""The web line's gunicorn settings (config/gunicorn.py), with each worker's mail
written to files in the folder `MAIL_DIR` names (Django's file backend) in place
of production's SMTP on port 587 with STARTTLS, which no test server here speaks
(tests/deploy/test_reset_link.py)."""

import os

from config import gunicorn as web
from config.gunicorn import *  # noqa: F403


def post_fork(server, worker):
    web.post_fork(server, worker)
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = os.environ["MAIL_DIR"]
