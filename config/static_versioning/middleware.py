"""WhiteNoise's middleware, answering a request for one byte of a static file.

WhiteNoise (6.12) refuses a range whose first and last byte are the same one
(`bytes=0-0`, `bytes=-1`, `bytes=N-N`) with 416 Range Not Satisfiable: it
compares them with `>=` after making the end inclusive (evansd/whitenoise#711).
RFC 9110 counts such a range as satisfiable, and players and download managers
probe with it. Here those files answer 206 with the byte asked for; every other
range is WhiteNoise's own answer.
"""

from http import HTTPStatus

from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.responders import Response, SlicedFile, StaticFile


class OneByteRangeStaticFile(StaticFile):
    def get_range_response(self, range_header, base_headers, file_handle):
        size = next(int(value) for name, value in base_headers if name == "Content-Length")
        start, end = self.get_byte_range(range_header, size)
        # `bytes=-0`, the last no bytes, parses as the first byte on: not one byte.
        spec = range_header.partition("=")[2].strip()
        suffix_of_none = spec.startswith("-") and spec[1:].isascii() and spec[1:].strip("0") == ""
        if start != end or suffix_of_none:  # none, or more than one: as WhiteNoise answers
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
