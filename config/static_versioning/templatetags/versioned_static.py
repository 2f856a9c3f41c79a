"""`{% versioned_static "css/site.css" %}`: the storage's URL for a file plus `?v=<version>`.

It asks only the staticfiles storage for the URL (`storage.url()`), so WhiteNoise's
hashed name and a static S3 bucket's URL get the same version. The version is the
one config/static_versioning resolved at start-up for the file's kind. A URL
without a query is kept, per storage, until its manifest, DEBUG or the versions
change.

Found because config.static_versioning is an installed app; templates
`{% load versioned_static %}` like any other library.
"""

from urllib.parse import urlsplit, urlunsplit
from weakref import WeakKeyDictionary

from django import template
from django.conf import STATICFILES_STORAGE_ALIAS, settings
from django.core.files.storage import storages

register = template.Library()

# storage -> (what its URLs depend on, {path: url}). Every page links the same
# few files, and asking the storage costs more than the rest of the tag (a
# manifest storage cleans, looks up and joins each name: ~15 us a call). The
# answer changes with the storage (a settings change makes a new one), its
# manifest (collectstatic in this process starts a new mapping and fills it),
# DEBUG (a manifest storage gives unhashed names under it) and the versions.
_kept: WeakKeyDictionary = WeakKeyDictionary()


@register.simple_tag
def versioned_static(path: str) -> str:
    storage = storages[STATICFILES_STORAGE_ALIAS]
    versions = settings.STATIC_ASSET_VERSIONS
    manifest = getattr(storage, "hashed_files", None)
    depends = (manifest, None if manifest is None else len(manifest), settings.DEBUG, versions)
    kept = _kept.get(storage)
    # Compared item by item, each first by identity: the same manifest costs no walk.
    if kept is None or kept[0] != depends:
        kept = _kept[storage] = (depends, {})
    url = kept[1].get(path)
    if url is None:
        url = storage.url(path)
        versioned = with_version(url, versions.for_path(path).value)
        # A storage may already put a query in its URLs. A presigned S3 URL does,
        # and it expires: such a URL is asked for again on every page.
        if "?" in url:
            return versioned
        url = kept[1][path] = versioned
    return url


def with_version(url: str, version: str) -> str:
    """`url` with `v=<version>` last in its query, before any fragment (`#logo`)."""
    parts = urlsplit(url)
    query = f"{parts.query}&v={version}" if parts.query else f"v={version}"
    return urlunsplit(parts._replace(query=query))
