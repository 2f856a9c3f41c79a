"""WhiteNoise's middleware, answering a request for one byte of a static file.

WhiteNoise (6.12) refuses a range whose first and last byte are the same one
(`bytes=0-0`, `bytes=-1`, `bytes=N-N`) with 416 Range Not Satisfiable: it
compares them with `>=` after making the end inclusive (evansd/whitenoise#711).
RFC 9110 counts such a range as satisfiable, and players and download managers
probe with it. Here those files answer 206 with the byte asked for.

Before that, the header must be one range as RFC 9110 writes it, in digits:
WhiteNoise reads each end with `int()`, which also takes `+1`, ` 1`, `1_0` and
other scripts' digits. Anything else is ignored, as WhiteNoise ignores a header
it cannot read (the whole file, 200). And `bytes=-0`, the last no bytes, is 416
Range Not Satisfiable, as RFC 9110 says: WhiteNoise read it as the whole file.
A HEAD ignores the header, as RFC 9110 has every method but GET do. Every other
range is WhiteNoise's own answer.

So is a range under an If-Range that does not name the file as it is now (its
strong entity tag, or exactly its Last-Modified date, in GMT; RFC 9110, 13.1.5):
the whole file, 200. WhiteNoise read no If-Range, so a download resumed after a
deploy got a piece of the new file to splice onto the old one. And a range is
always of the plain file, whatever encodings the request accepts: WhiteNoise
gives a file's gzip, brotli and plain copies one entity tag, so a download begun
compressed and resumed plain got pieces of two encodings.
"""

import re
from email.utils import parsedate_tz
from http import HTTPStatus

from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.responders import Response, SlicedFile, StaticFile

# asctime's date form, one of the three an HTTP-date may take: "Sun Nov  6 08:49:37 1994".
ASCTIME = re.compile(r"[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}")
# One byte-range-spec or suffix-range (RFC 9110, 14.1.1): ASCII digits only.
ONE_RANGE = re.compile(r"bytes=(?:[0-9]+-[0-9]*|-([0-9]+))")


class OneByteRangeStaticFile(StaticFile):
    def get_response(self, method, request_headers):
        # RFC 9110 defines ranges for GET alone: any other method ignores them (a HEAD
        # gets the whole file's headers).
        if "HTTP_RANGE" in request_headers:
            if method == "GET" and self.is_still(request_headers.get("HTTP_IF_RANGE")):
                left_out = ("HTTP_ACCEPT_ENCODING",)  # a range of the plain file
            else:
                left_out = ("HTTP_RANGE",)
            request_headers = {k: v for k, v in request_headers.items() if k not in left_out}
        return super().get_response(method, request_headers)

    def is_still(self, if_range: str | None) -> bool:
        """Whether an If-Range (None: none came) names this file as it is now."""
        if if_range is None:
            return True
        if_range = if_range.strip()
        if if_range.startswith(('"', "W/")):  # an entity tag: strong, and this one
            return if_range == self.etag
        # An HTTP-date (RFC 9110, 5.6.7) is in GMT and says so, but for asctime's form
        # ("Sun Nov  6 08:49:37 1994"), which has no zone: the email parser read a
        # date in another zone, or in none, as GMT.
        in_gmt = if_range.endswith(" GMT") or ASCTIME.fullmatch(if_range) is not None
        date = parsedate_tz(if_range) if in_gmt else None
        if date is None or self.last_modified is None:
            return False
        return date[:6] == tuple(self.last_modified[:6])

    def get_range_response(self, range_header, base_headers, file_handle):
        range_header = range_header.strip()
        found = ONE_RANGE.fullmatch(range_header)
        if found is None:
            raise ValueError("not one range")  # WhiteNoise ignores the header: 200
        size = next(int(value) for name, value in base_headers if name == "Content-Length")
        if found[1] is not None and int(found[1]) == 0:  # the last no bytes
            return self.get_range_not_satisfiable_response(file_handle, size)
        start, end = self.get_byte_range(range_header, size)
        if start != end:  # none, or more than one: as WhiteNoise answers
            return super().get_range_response(range_header, base_headers, file_handle)
        headers = [item for item in base_headers if item[0] != "Content-Length"]
        if file_handle is not None:
            file_handle = SlicedFile(file_handle, start, end)
        headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
        headers.append(("Content-Length", "1"))
        return Response(HTTPStatus.PARTIAL_CONTENT, headers, file_handle)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """`whitenoise.middleware.WhiteNoiseMiddleware`, its files answering one-byte ranges."""

    def get_static_file(self, path, url, stat_cache=None):
        static_file = super().get_static_file(path, url, stat_cache=stat_cache)
        static_file.__class__ = OneByteRangeStaticFile  # the same object, one method fixed
        return static_file
