"""The media storage: django-storages' S3Storage, reusing each signed URL for a while
and sending each write once.

Its sessions share botocore's service data (config/media/boto_sessions.py).

Media objects are private, so every image on a page is a URL signed for an hour
(`querystring_expire`). Signing is pure computation but not cheap (HMAC-SHA256 key derivation and
botocore's request machinery: 1.8 ms a URL measured on a busy 2-core machine),
which made signing 24 card images the largest part of rendering a product list.
Reusing a URL signed less than REUSE_SECONDS ago costs a dictionary lookup, and
it is better for visitors too: the same image gets the same URL on the next
page, so the browser's cache serves it instead of downloading it again. S3 sends
no Cache-Control of its own for an object, and a browser then guesses how long it
may keep one; each such URL asks S3 for `private, max-age=3600` (the URL's hour,
the browser's cache alone: an avatar is no shared cache's) with
`response-cache-control`, a signed part of the URL.

The bound that matters is how long a URL stays valid after a page shows it: at
least `querystring_expire` - REUSE_SECONDS (45 minutes) when the page renders,
and 35 minutes for a page kept PAGE_CACHE_SECONDS (at most 600) in the page
cache. Only plain URLs are reused: with `parameters`, `expire` or `http_method`
(a download link, a version's link on the versions page) each call signs anew.
Each process keeps at most `max_urls`, then starts again.

A write is sent once, and one that fails after S3 may have carried it out (its
answer lost, a 5xx) is hidden again before the error goes on (`_save`): whoever
stored the file is told nothing was stored, and the bucket then holds nothing
current under its name.
"""

import logging
import threading
import time

from storages.backends.s3 import S3Storage

from config.media.boto_sessions import SharedServiceData
from config.media.storage import ClientLimits
from config.media.versions import never_carried_out, not_again, storage_errors

REUSE_SECONDS = 15 * 60
# The requests that write an object: a single PUT, or a multipart upload's last step.
WRITES = ("PutObject", "CompleteMultipartUpload")

logger = logging.getLogger(__name__)


class MediaStorage(ClientLimits, SharedServiceData, S3Storage):
    # A test may set its own clock and bound on an instance.
    clock = staticmethod(time.monotonic)
    max_urls = 10_000

    def __init__(self, **settings):
        super().__init__(**settings)
        self._signed: dict[str, tuple[str, float]] = {}
        self._sent_once = None  # the bucket whose client sends each write once
        self._lock = threading.Lock()

    @property
    def bucket(self):
        """django-storages' bucket, made once per storage with the client of the thread
        that first asks for it; every write goes out on that client (`_save`, and
        `open(name, "wb")`'s multipart upload), so it is sent once: the handlers go on
        that client whenever the storage makes its bucket."""
        bucket = super().bucket
        if bucket is not self._sent_once:
            events = bucket.meta.client.meta.events
            for operation in WRITES:
                events.register_first(
                    f"needs-retry.s3.{operation}", not_again, unique_id=f"{__name__}.{operation}"
                )
            self._sent_once = bucket
        return bucket

    def _save(self, name, content):
        """Store `name`, a name get_available_name() found free (file_overwrite is off).

        The write is sent once, as a restore's copy is: botocore sends a request
        again after an error or a lost answer, and a retry that never connected
        hid that S3 had written the first. A failure after which S3 may hold the
        file (`never_carried_out` is False: a read timeout, a connection dropped
        after the request went out, a 5xx) is hidden before it is raised: a delete
        marker over whatever S3 wrote, whose versions stay in the bucket for a
        restore. Without it the caller's "nothing was saved" was a file current in
        the bucket that no row named and nothing would discard. The delete is
        logged, and so is a delete that fails too. Such an error carries
        `media_may_have_written = True`, telling the caller (the upload forms, which
        count it) from a failure before the write, such as the name's check."""
        try:
            return super()._save(name, content)
        except storage_errors() as error:
            if not never_carried_out(error):
                error.media_may_have_written = True
                self._hide(name)
            raise

    def _hide(self, name: str) -> None:
        try:
            self.delete(name)
        except storage_errors():
            logger.exception("%r may be current in the bucket: storing it failed", name)
        else:
            logger.warning("Storing %r failed after S3 may have written it: deleted", name)

    def cache_control(self) -> str:
        """What S3 answers a page's URL with: kept by the browser alone, for the hour
        a URL is signed for. The hour counts from the answer, which may come up to
        REUSE_SECONDS (and a cached page's life) after the signing, so a browser may
        keep a picture past its URL's expiry: its bytes, under a name no other file
        ever takes (file_overwrite is off)."""
        return f"private, max-age={self.querystring_expire}"

    def url(self, name, parameters=None, expire=None, http_method=None):
        if parameters or expire is not None or http_method or not self.querystring_auth:
            return super().url(name, parameters, expire, http_method)
        now = self.clock()
        kept = self._signed.get(name)
        if kept is not None and now - kept[1] < REUSE_SECONDS:
            return kept[0]
        # S3 keeps no Cache-Control of its own for the object: the URL asks for one.
        url = super().url(name, {"ResponseCacheControl": self.cache_control()})
        with self._lock:
            if len(self._signed) >= self.max_urls:
                self._signed.clear()
            self._signed[name] = (url, now)
        return url
