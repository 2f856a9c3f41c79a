"""`{% versioned_static "css/site.css" %}`: the storage's URL for a file plus `?v=<version>`.

It asks only the staticfiles storage for the URL (`storage.url()`), so WhiteNoise's
hashed name and a static S3 bucket's URL get the same version. The version is the
one config/static_versioning resolved at start-up for the file's kind. A URL
without a query is kept, per storage, until its manifest or the versions change.

Found because config.static_versioning is an installed app; templates
`{% load versioned_static %}` like any other library.
"""

from weakref import WeakKeyDictionary

from django import template
from django.conf import STATICFILES_STORAGE_ALIAS, settings
from django.core.files.storage import storages

register = template.Library()

# storage -> (its manifest, the versions, {path: url}). Every page links the same
# few files, and asking the storage costs more than the rest of the tag (a
# manifest storage cleans, looks up and joins each name: ~15 us a call); the
# answer only changes with the storage (a settings change makes a new one), its
# manifest (collectstatic in this process replaces the mapping) or the versions.
_kept: WeakKeyDictionary = WeakKeyDictionary()


@register.simple_tag
def versioned_static(path: str) -> str:
    storage = storages[STATICFILES_STORAGE_ALIAS]
    versions = settings.STATIC_ASSET_VERSIONS
    manifest = getattr(storage, "hashed_files", None)
    kept = _kept.get(storage)
    if kept is None or kept[0] is not manifest or kept[1] is not versions:
        kept = _kept[storage] = (manifest, versions, {})
    url = kept[2].get(path)
    if url is None:
        url = storage.url(path)
        # A storage may already put a query in its URLs. A presigned S3 URL does,
        # and it expires: such a URL is asked for again on every page.
        if "?" in url:
            return f"{url}&v={versions.for_path(path).value}"
        url = kept[2][path] = f"{url}?v={versions.for_path(path).value}"
    return url
