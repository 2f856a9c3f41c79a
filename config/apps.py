"""The `config` package as an installed app (see PlatformConfig), and
`is_project_model()`, which tells the project's models from installed packages'."""

from pathlib import Path

from django.apps import AppConfig, apps
from django.conf import settings


class PlatformConfig(AppConfig):
    """The platform layer (`config/`) as a small app, for its deploy checks
    (config/checks.py). The techniques it hosts are apps of their own
    (config/media/, config/static_versioning/, ...)."""

    name = "config"
    verbose_name = "Platform"

    def ready(self):
        from config import checks  # noqa: F401  (registers the deploy checks)


def is_project_model(model) -> bool:
    """Whether `model` is of one of the project's own apps: a package at the top of
    the project's folder, as config/, catalog/ and accounts/ are, the folder reached
    through a symbolic link too; not a library's (Django's User). A project installed
    as a package beside its libraries is not told apart from them."""
    app = apps.get_app_config(model._meta.app_label)
    top = Path(settings.BASE_DIR) / app.name.split(".")[0]
    return top.is_dir() and Path(app.path).resolve().is_relative_to(top.resolve())
