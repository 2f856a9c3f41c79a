"""`check --deploy` warnings of the platform: mail that can leave.

(The media bucket's checks are the media app's: config/media/checks.py.)
"""

from django.conf import settings
from django.core.checks import Warning, register


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
