"""`check --deploy` warnings: media storage on S3, and its bucket versioned.

It asks the bucket itself (GetBucketVersioning, one request), so it sees what is
true now rather than what a setting claims. Registered by MediaConfig.ready().
"""

from django.core.checks import Tags, Warning, register

from config.media import versions


@register(Tags.security, deploy=True)
def media_bucket_is_versioned(app_configs, **kwargs):
    try:
        versioning = versions.versioning_status()
    except versions.NotOnS3 as error:
        return [
            Warning(
                f"{error} A dyno's disk is wiped on every restart: uploads would vanish.",
                id="media.W001",
            )
        ]
    except versions.storage_errors() as error:
        return [
            Warning(
                f"Could not check that the media bucket is versioned: {error}",
                hint="Check AWS_MEDIA_BUCKET_NAME, the AWS credentials and that S3 is "
                "reachable; the app's IAM policy needs s3:GetBucketVersioning.",
                id="media.W002",
            )
        ]
    if not versioning.enabled:
        return [
            Warning(
                f"The media bucket {versions.bucket_name()!r} is not versioned "
                f"(versioning: {versioning.status}): a DELETE destroys a file for good.",
                hint="Run `python manage.py media_versioning enable` with the operator's "
                "credentials (docs/s3-media.md).",
                id="media.W003",
            )
        ]
    return []
