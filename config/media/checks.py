"""`check --deploy` warnings: media storage on S3, and its bucket versioned; and
in the release phase, an error when the media storage cannot build its S3 client.

The warnings ask the bucket itself (GetBucketVersioning, one request), so they
see what is true now rather than what a setting claims. Registered by
MediaConfig.ready().
"""

import os

from django.core.checks import Error, Tags, Warning, register

from config.media import versions


@register("media_client")
def media_storage_builds_its_client(app_configs, **kwargs):
    """In the release phase, the media storage builds its S3 client, as each web
    process does at start (config/wsgi.py): nothing is sent, but botocore reads
    variables of its own there (AWS_REQUEST_CHECKSUM_CALCULATION, AWS_DEFAULTS_MODE,
    AWS_S3_US_EAST_1_REGIONAL_ENDPOINT, ...). A value it refuses, a typo or a
    pasted newline, would pass a release and then stop every web process at boot;
    here it stops the release, naming botocore's complaint (media.E001).

    Not outside the release phase: `check` and `migrate` elsewhere load no boto3.
    The static bucket's storage reads the same variables (config/media/boto_sessions.py).
    """
    # The release phase on Heroku (DYNO=release.N); read here, as the unit stands alone.
    if not os.environ.get("DYNO", "").startswith("release."):
        return []
    try:
        storage = versions.media_storage()
    except versions.NotOnS3:
        return []
    try:
        storage.connection  # noqa: B018 (builds this thread's client; sends nothing)
    except Exception as error:  # what would stop the web line at boot, whatever it is
        names = sorted(name for name in os.environ if name.startswith("AWS_"))
        return [
            Error(
                f"The media storage cannot build its S3 client, so no web process would "
                f"start: {type(error).__name__}: {error}",
                hint="botocore reads AWS_* config vars of its own; these are set: "
                f"{', '.join(names) or 'none'}. Fix or unset the one named "
                "(heroku config:unset NAME).",
                id="media.E001",
            )
        ]
    return []


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


@register(Tags.security, deploy=True)
def media_bucket_is_in_the_region(app_configs, **kwargs):
    """media.W004: the media bucket in another region than AWS_S3_REGION_NAME (or
    boto3's region) names. Uploads still work, every image URL is refused."""
    try:
        storage = versions.media_storage()
    except versions.NotOnS3:  # media.W001 says so
        return []
    elsewhere = versions.region_elsewhere(storage)
    if elsewhere is None:
        return []
    found, signs_for = elsewhere
    return [
        Warning(
            f"The media bucket {storage.bucket_name!r} is in {found}, not {signs_for}: "
            "uploads reach it, but every image URL is signed for the wrong region and "
            "S3 refuses it.",
            hint=f"Set the buckets' region: heroku config:set AWS_S3_REGION_NAME={found}",
            id="media.W004",
        )
    ]
