"""`check --deploy` warnings for media storage: on S3, and versioned.

The check asks the bucket itself (GetBucketVersioning, one request), so it sees
what is true now rather than what a setting claims.
"""

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
