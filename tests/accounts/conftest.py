import pytest


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Django's PBKDF2 takes a third of a second per hash by design: too slow for 50 users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def media_storage(settings, tmp_path):
    """Uploads go to a temporary folder, whatever the default storage is configured to."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path, "base_url": "/media/"},
        },
    }
    return tmp_path
