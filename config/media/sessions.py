"""boto3 sessions that share one copy of botocore's service data per process.

boto3 sessions are not thread-safe, so django-storages gives each thread its own
(`S3Storage.connection` is thread-local), and a new session reads botocore's
JSON files again: the S3 API's description, the endpoint rules, the partitions.
A gunicorn worker's 5 threads, each signing image URLs, held 5 copies of data
that never changes (figures in docs/s3-media.md).

`SharedServiceData` keeps django-storages' session per thread and gives every
session the process's one botocore `Loader` (`shared_loader()`), as botocore's
maintainers suggest (boto/botocore#3078): what a loader keeps is read-only once
loaded. `MediaStorage` (config/media/signed.py) and `StaticStorage` below use it.
"""

import functools

import boto3
import botocore.session
from botocore.loaders import Loader, create_loader
from storages.backends.s3 import S3ManifestStaticStorage


class _SearchPaths(list):
    """boto3 appends its own data folder to the loader's paths for every session
    it makes; on a shared loader once is enough."""

    def append(self, path):
        if path not in self:
            super().append(path)


@functools.cache
def shared_loader() -> Loader:
    """botocore's loader for this process, reading AWS_DATA_PATH as botocore does."""
    data_path = botocore.session.get_session().get_config_variable("data_path")
    paths = _SearchPaths(create_loader(data_path).search_paths)
    return Loader(extra_search_paths=paths, include_default_search_paths=False)


def new_session(**options) -> boto3.Session:
    """A new boto3 Session (for one thread) on the shared loader; `options` as boto3's."""
    core = botocore.session.get_session()
    core.register_component("data_loader", shared_loader())
    return boto3.Session(botocore_session=core, **options)


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


class StaticStorage(SharedServiceData, S3ManifestStaticStorage):
    """The static bucket's storage: django-storages' manifest storage (hashed names)."""
