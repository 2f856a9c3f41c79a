"""Checks of the platform: static files collected (an error, so the release phase
stops), and the `check --deploy` warning that mail can leave.

(The media bucket's checks are the media app's: config/media/checks.py.)
"""

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.checks import Error, Warning, register
from django.core.files.storage import FileSystemStorage


@register("static_manifest")
def static_files_are_collected(app_configs, **kwargs):
    """Every page links its stylesheet through the manifest collectstatic writes at
    build: without it (DISABLE_COLLECTSTATIC=1, or a build step that skipped it)
    each page would fail while /healthz still answered. Checked by the commands
    that run system checks (`migrate`, `check`, `runserver`), not by collectstatic,
    which runs only its own: the release phase (`migrate`) stops the deploy before it
    goes live. Static files on a bucket are not looked at (an S3 call per command)."""
    storage = staticfiles_storage
    local = isinstance(storage, ManifestFilesMixin) and isinstance(storage, FileSystemStorage)
    if settings.DEBUG or not local or storage.exists(storage.manifest_name):
        return []
    return [
        Error(
            f"{storage.path(storage.manifest_name)} does not exist: static files were not "
            "collected, so every page would fail to link its stylesheet.",
            hint="Heroku's build runs `manage.py collectstatic` unless DISABLE_COLLECTSTATIC "
            "is set: unset it (`heroku config:unset DISABLE_COLLECTSTATIC`) and deploy "
            "again, or run collectstatic in your own build step.",
            id="config.E001",
        )
    ]


@register(deploy=True)
def password_reset_mail_has_a_server(app_configs, **kwargs):
    """Django's password reset logs a failed send and still tells the visitor "sent":
    without an SMTP server, nobody learns that no mail ever leaves."""
    smtp = settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
    if smtp and settings.EMAIL_HOST in ("localhost", "127.0.0.1", "::1"):
        return [
            Warning(
                f"EMAIL_HOST is {settings.EMAIL_HOST!r}: a dyno runs no mail server, so "
                "password reset mail is never sent (each attempt is only logged).",
                hint="Set EMAIL_HOST, EMAIL_HOST_USER and EMAIL_HOST_PASSWORD to any SMTP "
                "service's (README, Config vars).",
                id="config.W004",
            )
        ]
    return []
