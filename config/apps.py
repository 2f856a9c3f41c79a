"""The `config` package as an installed app (see PlatformConfig)."""

from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """The platform layer (`config/`) as a small app, for its deploy checks
    (config/checks.py). The techniques it hosts are apps of their own
    (config/media/, config/static_versioning/, ...)."""

    name = "config"
    verbose_name = "Platform"

    def ready(self):
        from config import checks  # noqa: F401  (registers the deploy checks)
