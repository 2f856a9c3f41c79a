"""boto3 sessions that share one copy of botocore's service data per process.

boto3 sessions are not thread-safe, so django-storages gives each thread its own
(`S3Storage.connection` is thread-local), and a new session reads botocore's
JSON files again: the S3 API's description, the endpoint rules, the partitions.
A gunicorn worker's 5 threads, each signing image URLs, held 5 copies of data
that never changes (figures in docs/s3-media.md).

`SharedServiceData` keeps django-storages' session per thread and gives every
session the process's one botocore `Loader` (`shared_loader()`), as botocore's
maintainers suggest (boto/botocore#3078). The loader's cache has no lock, and
resolving an endpoint writes a few keys into the loaded endpoint data (the same
values every time), so the sessions build their clients one at a time: threads
that start together, as a new worker's do under a burst of requests, would
otherwise each parse a copy. A client is built once per thread, so the wait
costs nothing after the first requests. `MediaStorage` (config/media/signed.py)
and `StaticStorage` below use it. AWS_DATA_PATH is read once, at the first session.
"""

import functools
import re
import threading

import boto3
import botocore.session
from botocore.loaders import Loader, create_loader
from storages.backends.s3 import S3ManifestStaticStorage

from config.media.storage import UNHASHED_CACHE_CONTROL, ClientLimits

# Held while a client is built (resource() builds one through client(): reentrant).
_building = threading.RLock()


class _SearchPaths(list):
    """boto3 appends its own data folder to the loader's paths for every session
    it makes; on a shared loader once is enough."""

    def append(self, path):
        with _building:
            if path not in self:
                super().append(path)


@functools.cache
def shared_loader() -> Loader:
    """botocore's loader for this process, reading AWS_DATA_PATH as botocore does."""
    data_path = botocore.session.get_session().get_config_variable("data_path")
    paths = _SearchPaths(create_loader(data_path).search_paths)
    return Loader(extra_search_paths=paths, include_default_search_paths=False)


def _not_to_be_redirected(context, **kwargs):
    """Marks a request as already redirected, so botocore's S3 region redirector leaves
    it alone (registered last, after the redirector marks it as not)."""
    if "s3_redirect" in context:
        context["s3_redirect"]["redirected"] = True


class _Session(boto3.Session):
    """A boto3 Session that builds its clients and resources one process-wide at a time.

    A client with an endpoint URL (an S3-compatible server) is never redirected to a
    bucket's region: botocore's redirector, meant for Amazon's regional hosts, asks
    such a server for the bucket's region with another request, which a server
    answering every request with a redirect that names none (http to https, say)
    answered the same way, until a RecursionError, on every upload and check. The
    redirect is then the request's answer, a ClientError like any refusal.
    """

    def client(self, *args, **kwargs):
        with _building:
            client = super().client(*args, **kwargs)
        if kwargs.get("endpoint_url"):
            client.meta.events.register_last(
                "before-parameter-build.s3", _not_to_be_redirected, unique_id="not-redirected"
            )
        return client

    def resource(self, *args, **kwargs):
        with _building:
            return super().resource(*args, **kwargs)


def new_session(**options) -> boto3.Session:
    """A new boto3 Session (for one thread) on the shared loader; `options` as boto3's."""
    with _building:
        core = botocore.session.get_session()
        core.register_component("data_loader", shared_loader())
        return _Session(botocore_session=core, **options)


class SharedServiceData:
    """For django-storages' S3 storages: its own session per thread, one copy of the data."""

    def _create_session(self):
        # As S3Storage._create_session, on the shared loader.
        if self.session_profile:
            return new_session(profile_name=self.session_profile)
        return new_session(
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            aws_session_token=self.security_token,
        )


def load_service_data() -> None:
    """Load botocore's S3 data into the shared loader now, if the media storage uses it.

    The web line calls it (config/wsgi.py) in gunicorn's master, which loads the
    app before forking: the workers then share one copy, instead of each parsing
    its own on its first page with a picture. Building the client sends nothing.
    """
    from django.core.files.storage import storages

    media = storages["default"]
    if isinstance(media, SharedServiceData):
        media.connection  # noqa: B018 (builds this thread's client)


class StaticStorage(ClientLimits, SharedServiceData, S3ManifestStaticStorage):
    """The static bucket's storage: django-storages' manifest storage (hashed names).

    Its `object_parameters` are every object's; a name without the hash (the
    unhashed copy collectstatic keeps of each file, staticfiles.json) changes at
    the next deploy under the same name, so it gets UNHASHED_CACHE_CONTROL: a year
    of `immutable` kept e-mails and scripts linking `css/site.css` on the old file.
    """

    # Django's hashed names: the name, a dot and 12 hex digits before the extension.
    HASHED_NAME = re.compile(r".+\.[0-9a-f]{12}(\.[^/]+)?")

    def get_object_parameters(self, name):
        parameters = super().get_object_parameters(name)
        if "CacheControl" in parameters and not self.HASHED_NAME.fullmatch(name.rpartition("/")[2]):
            parameters["CacheControl"] = UNHASHED_CACHE_CONTROL
        return parameters
