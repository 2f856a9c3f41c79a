"""`{% versioned_static "css/site.css" %}`: the storage's URL for a file plus `?v=<version>`.

It asks only the staticfiles storage for the URL (`storage.url()`), so WhiteNoise's
hashed name and a static S3 bucket's URL get the same version. The version is the
one config/static_versioning resolved at start-up for the file's kind.

Found because config.static_versioning is an installed app; templates
`{% load versioned_static %}` like any other library.
"""

from django import template
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage

register = template.Library()


@register.simple_tag
def versioned_static(path: str) -> str:
    url = staticfiles_storage.url(path)
    # A storage may already put a query in its URLs (a presigned S3 URL does).
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}v={settings.STATIC_ASSET_VERSIONS.for_path(path).value}"
