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

A body that ends before its Content-Length is a client gone mid-body (a
browser's Stop, a tab closed during an upload): gunicorn hands on the bytes that
came and then nothing, and Django would parse them as the whole form. `WholeBody`
raises an OSError there instead, which Django turns into UnreadablePostError:
the CSRF check reads no token from it, the request is the 403 page and no view
runs, so nothing of the cut form is saved.

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
            if length.isdigit():
                if int(length) > limit:
                    return self.too_large(environ, start_response)
                environ["wsgi.input"] = WholeBody(environ["wsgi.input"], int(length))
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


class BodyCutShort(OSError):
    pass


class WholeBody:
    """`wsgi.input` read to its Content-Length and no further, raising BodyCutShort
    where it ends before that (the read and readline Django's LimitedStream uses)."""

    def __init__(self, stream, length: int):
        self.stream, self.length, self.owed = stream, length, length

    def read(self, size: int | None = -1) -> bytes:
        size = self.owed if size is None or size < 0 else min(size, self.owed)
        chunks = []
        while size:
            chunk = self.stream.read(size)
            if not chunk:
                self.cut_short()
            chunks.append(chunk)
            size -= len(chunk)
            self.owed -= len(chunk)
        return b"".join(chunks)

    def readline(self, size: int | None = -1) -> bytes:
        size = self.owed if size is None or size < 0 else min(size, self.owed)
        line = self.stream.readline(size) if size else b""
        self.owed -= len(line)
        if len(line) < size and not line.endswith(b"\n"):
            self.cut_short()
        return line

    def cut_short(self):
        raise BodyCutShort(
            f"The body ended after {self.length - self.owed} of the {self.length} "
            f"byte{'s' if self.length != 1 else ''} "
            "its Content-Length announced: the client went away mid-body."
        )
