"""A client's mistake: what Django answers with a 4xx, and one line in the logs for it.

Django logs each such request with its traceback: a 400 it raised (a NUL in the
query, `config/security/nul.py`; a form that does not parse) at WARNING
under `django.request`, and a SuspiciousOperation (too many fields or files, too
much form data, a suspicious file name) at ERROR under `django.security.*`. A
traceback is a dozen lines of the app's own frames for what is no fault of
ours, and anyone can send a request a second: `heroku logs` fills with them and
the lines that matter scroll away. `OneLineForClientErrors`, on the console
handler (settings.LOGGING), keeps each record's one line and drops its
traceback. config/sentry.py drops their events by the same list.
"""

import logging

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, UnreadablePostError
from django.http.multipartparser import MultiPartParserError

# Exceptions that mean the client sent something wrong. Django answers them with
# a 4xx page and logs them (SuspiciousOperation and its subclasses, such as
# DisallowedHost, RequestDataTooBig, TooManyFieldsSent and TooManyFilesSent, at
# ERROR under django.security.*, which the SDK would send as events).
# UnreadablePostError is a client that went away while sending its body.
CLIENT_ERRORS = (
    SuspiciousOperation,
    BadRequest,
    PermissionDenied,
    Http404,
    MultiPartParserError,
    UnreadablePostError,
)


class OneLineForClientErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], CLIENT_ERRORS):
            record.exc_info = record.exc_text = None
        return True
