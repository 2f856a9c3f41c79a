"""WhiteNoise's middleware, answering a request for one byte of a static file.

WhiteNoise (6.12) refuses a range whose first and last byte are the same one
(`bytes=0-0`, `bytes=-1`, `bytes=N-N`) with 416 Range Not Satisfiable: it
compares them with `>=` after making the end inclusive (evansd/whitenoise#711).
RFC 9110 counts such a range as satisfiable, and players and download managers
probe with it. Here those files answer 206 with the byte asked for.

Before that, the header must be one range as RFC 9110 writes it, in digits:
WhiteNoise reads each end with `int()`, which also takes `+1`, ` 1`, `1_0` and
other scripts' digits, and refuses more than 4,300 digits: each end is handed on
at most the file's size, the same range. Anything else is ignored, as WhiteNoise
ignores a header it cannot read (the whole file, 200). And `bytes=-0`, the last
no bytes, is 416 Range Not Satisfiable, as RFC 9110 says: WhiteNoise read it as
the whole file.
A HEAD ignores the header, as RFC 9110 has every method but GET do. Every other
range is WhiteNoise's own answer.

If-None-Match is read as RFC 9110 has it (a list, weak tags, "*"): WhiteNoise
compared the header's whole text with the file's tag.

So is a range under an If-Range, whatever it names: the whole file, 200; and
under an If-Match or If-Unmodified-Since the file meets. One it fails is 412
Precondition Failed, with a range or without: WhiteNoise read neither header.
WhiteNoise read no If-Range, so a download resumed after a deploy got a piece of
the new file to splice onto the old one; and it gives a file's gzip, brotli and
plain copies one entity tag and one date, so no If-Range can tell which copy the
client holds a piece of. A range is of the plain file alone: a request answered
from a compressed copy gets all of it, 200. Static files are small, and a
download started again costs little; a spliced one is a broken stylesheet.

An answer without a body (405, 412, 416) is a plain response rather than
WhiteNoise's empty stream, which gunicorn sent chunked: it gets its
Content-Length, and a 405 its page (config/errorpages.py), as other answers do.
A 304 stays as WhiteNoise makes it: RFC 9110 allows it no length but the 200's.
"""

import calendar
import re
from http import HTTPStatus

from django.http import HttpResponse
from django.utils.http import parse_etags, parse_http_date_safe
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.responders import Response, SlicedFile, StaticFile

# One byte-range-spec or suffix-range (RFC 9110, 14.1.1): ASCII digits only.
ONE_RANGE = re.compile(r"bytes=(?:([0-9]+)-([0-9]*)|-([0-9]+))")


def _at_most(number: str, size: int) -> str:
    """One end of a range, with no leading zeros and at most `size`: the same range
    for WhiteNoise, which reads it with int() (past 4,300 digits: a ValueError, the
    header ignored, where fewer digits of the same range were 416 or 206)."""
    digits = number.lstrip("0") or "0"
    return str(size) if len(digits) > len(str(size)) else digits


# Preconditions WhiteNoise does not read, each answered here (RFC 9110, 13.1): under
# any of them, or an If-Range, a range gets the whole file, as said above.
PRECONDITIONS = ("HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_RANGE")


def _opaque(tag: str) -> str:
    """An entity tag without its weakness: what a weak comparison compares."""
    return tag.removeprefix("W/")


class OneByteRangeStaticFile(StaticFile):
    def get_response(self, method, request_headers):
        if method in ("GET", "HEAD") and self.fails_a_precondition(request_headers):
            return Response(HTTPStatus.PRECONDITION_FAILED, [], None)
        # RFC 9110 defines ranges for GET alone: any other method ignores them (a HEAD
        # gets the whole file's headers).
        if "HTTP_RANGE" in request_headers and (
            method != "GET"
            or any(name in request_headers for name in PRECONDITIONS if name != "HTTP_IF_MATCH")
            or parse_etags(request_headers.get("HTTP_IF_MATCH", ""))
            or self.takes_a_compressed_copy(request_headers)
        ):
            request_headers = {k: v for k, v in request_headers.items() if k != "HTTP_RANGE"}
        return super().get_response(method, request_headers)

    def fails_a_precondition(self, request_headers) -> bool:
        """Whether If-Match names no tag of this file (strongly: a weak tag never
        matches), or, without an If-Match, If-Unmodified-Since is before its date (one
        that cannot be read is ignored), as RFC 9110 (13.1.1, 13.1.4) has a server answer
        412. WhiteNoise read neither: a download resumed after a deploy with the old
        copy's tag got a piece of the new one."""
        # One that names no tag Django can read is ignored, as Django's own
        # conditional answers (django.utils.cache) ignore it.
        if tags := parse_etags(request_headers.get("HTTP_IF_MATCH", "")):
            return tags != ["*"] and self.etag not in tags
        since = request_headers.get("HTTP_IF_UNMODIFIED_SINCE")
        if since is None or self.last_modified is None:
            return False
        since = parse_http_date_safe(since)
        return since is not None and calendar.timegm(self.last_modified) > since

    def is_not_modified(self, request_headers) -> bool:
        """If-None-Match as RFC 9110 (13.1.2) reads it: any of a list of tags, each
        compared weakly (W/ or not), or "*" for any file there is; without it, or with
        one that names no tag (Django's own conditional answers ignore such a header
        too), If-Modified-Since, read as Django reads it: GMT alone (WhiteNoise's
        parser dropped any other zone, so a date fourteen hours before the file's,
        +1400, was a 304). WhiteNoise compared the header's whole text with the tag,
        so a proxy that weakens a tag as it compresses got no 304."""
        if not (tags := parse_etags(request_headers.get("HTTP_IF_NONE_MATCH", ""))):
            since = parse_http_date_safe(request_headers.get("HTTP_IF_MODIFIED_SINCE", ""))
            if since is None or self.last_modified is None:
                return False
            return calendar.timegm(self.last_modified) <= since
        return tags == ["*"] or _opaque(self.etag) in {_opaque(tag) for tag in tags}

    def takes_a_compressed_copy(self, request_headers) -> bool:
        """Whether the request is answered from the gzip or brotli copy: WhiteNoise gives
        it the plain file's entity tag, so a range of it matches a download begun in
        another encoding. Its whole copy, 200, instead."""
        _, headers = self.get_path_and_headers(request_headers)
        return any(name == "Content-Encoding" for name, _ in headers)

    def get_range_response(self, range_header, base_headers, file_handle):
        range_header = range_header.strip()
        found = ONE_RANGE.fullmatch(range_header)
        if found is None:
            raise ValueError("not one range")  # WhiteNoise ignores the header: 200
        size = next(int(value) for name, value in base_headers if name == "Content-Length")
        first, last, suffix = found.groups()
        if suffix is not None:
            if _at_most(suffix, size) == "0":  # the last no bytes
                return self.get_range_not_satisfiable_response(file_handle, size)
            range_header = f"bytes=-{_at_most(suffix, size)}"
        else:
            range_header = f"bytes={_at_most(first, size)}-{last and _at_most(last, size)}"
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

    @staticmethod
    def serve(static_file, request):
        response = WhiteNoiseMiddleware.serve(static_file, request)
        if response.file_to_stream is not None or response.status_code == HTTPStatus.NOT_MODIFIED:
            return response
        plain = HttpResponse(status=response.status_code)
        del plain["Content-Type"]
        for name, value in response.items():
            plain[name] = value
        return plain

    def get_static_file(self, path, url, stat_cache=None):
        static_file = super().get_static_file(path, url, stat_cache=stat_cache)
        static_file.__class__ = OneByteRangeStaticFile  # the same object, one method fixed
        return static_file
