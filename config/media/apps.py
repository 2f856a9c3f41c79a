"""The versioned media app (see config/media/__init__.py)."""

from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "config.media"
    label = "media"
    verbose_name = "Media"

    def ready(self):
        from config.media import checks  # noqa: F401  (registers the deploy checks)
