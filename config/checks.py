"""`check --deploy` warnings: media storage on S3 and versioned, and mail that can leave.

The media check asks the bucket itself (GetBucketVersioning, one request), so it
sees what is true now rather than what a setting claims.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register

from config import media


@register(Tags.security, deploy=True)
def media_bucket_is_versioned(app_configs, **kwargs):
    try:
        versioning = media.versioning_status()
    except media.NotOnS3 as error:
        return [
            Warning(
                f"{error} A dyno's disk is wiped on every restart: uploads would vanish.",
                id="config.W001",
            )
        ]
    except media.STORAGE_ERRORS as error:
        return [
            Warning(
                f"Could not check that the media bucket is versioned: {error}",
                hint="Check AWS_MEDIA_BUCKET_NAME, the AWS credentials and that S3 is "
                "reachable; the app's IAM policy needs s3:GetBucketVersioning.",
                id="config.W002",
            )
        ]
    if not versioning.enabled:
        return [
            Warning(
                f"The media bucket {media.bucket_name()!r} is not versioned "
                f"(versioning: {versioning.status}): a DELETE destroys a file for good.",
                hint="Run `python manage.py media_versioning enable` with the operator's "
                "credentials (docs/s3-media.md).",
                id="config.W003",
            )
        ]
    return []


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
