"""Fixtures of the media tests (the admin's versions page and its permission)."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from config.media import versions


@pytest.fixture
def deleted_file(fresh_s3):
    """A file saved through the default storage, then deleted (a delete marker on top)."""
    name = default_storage.save("products/lamp.png", ContentFile(b"the lamp"))
    version = versions.list_versions(name)[0]
    default_storage.delete(name)
    return name, version.version_id
