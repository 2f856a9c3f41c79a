"""Refuse request bodies larger than the largest legitimate one, before they are read.

`BodyLimit(application)` wraps the WSGI application (config/wsgi.py). A request
whose Content-Length exceeds `settings.REQUEST_BODY_MAX_BYTES` gets the 413 page
(templates/413.html) at once, without a byte of its body read: Django would
otherwise spool a file part of any size to a temporary file before the view ran.

A chunked body (Transfer-Encoding, no Content-Length: not what browsers send,
but what some clients and proxies do) is read up to the limit and one byte
more: above it, the same 413; otherwise it is handed on as a body of known
length. Django reads a request without Content-Length as having no body at all,
so without this a chunked form would arrive empty.

Outside Django's middleware on purpose: it must hold before any middleware or
view touches the body, and it costs nothing on requests without one.
"""

import io

from django.conf import settings

from config.security.wsgi_pages import standalone_error


class BodyLimit:
    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        limit = settings.REQUEST_BODY_MAX_BYTES
        length = environ.get("CONTENT_LENGTH", "")
        if length:
            # The server already refused a Content-Length that is not a number.
            if length.isdigit() and int(length) > limit:
                return self.too_large(environ, start_response)
        elif environ.get("HTTP_TRANSFER_ENCODING"):
            body = environ["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                return self.too_large(environ, start_response)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.application(environ, start_response)

    @staticmethod
    def too_large(environ, start_response):
        context = {
            "limit": settings.REQUEST_BODY_MAX_BYTES,
            "image_limit": settings.IMAGE_UPLOAD_MAX_BYTES,
        }
        return standalone_error(
            environ, start_response, "413 Content Too Large", "413.html", context
        )
