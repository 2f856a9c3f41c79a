"""The `config` package as an installed app (see PlatformConfig)."""

from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """The platform layer (`config/`) as a small app, so it can ship what apps ship.

    Its media commands (config/management/commands/) and deploy checks belong to
    the storage set up in settings, not to the catalog or accounts that merely
    upload files; an app of its own for them would be a second home for one
    concern. Its one model has no table: it holds the permission to restore media
    (config/models.py).
    """

    name = "config"
    verbose_name = "Platform"

    def ready(self):
        from config import checks  # noqa: F401  (registers the deploy checks)
