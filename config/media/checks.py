"""`check --deploy` warnings: media storage on S3, its bucket versioned and in its
region; and in the release phase, errors when the media storage cannot build its
S3 client, or S3 refuses its request or names another region for its bucket.

They ask the bucket itself (GetBucketVersioning, then HeadBucket; the release
phase HeadBucket alone), so they see what is true now rather than what a setting
claims. Registered by MediaConfig.ready().
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
    here it stops the release, naming botocore's complaint (media.E001). Then it
    asks the bucket once (`_the_bucket_takes_the_apps_requests`).

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
    return _the_bucket_takes_the_apps_requests(storage)


def _the_bucket_takes_the_apps_requests(storage) -> list[Error | Warning]:
    """In the release phase, one HeadBucket: media.E002 when S3 refuses it (keys it
    does not know or whose policy names another bucket, a bucket that does not
    exist), media.E003 when it names another region than the storage signs for.
    Either way every upload would fail and every image be refused, where the
    release before showed them; with WhiteNoise serving static files (the default)
    nothing else in the release asks S3. media.W005 when S3 does not answer: an
    outage must not stop a rollback or a config change."""
    try:
        found = versions.bucket_region(storage)
    except versions.storage_errors() as error:
        said = f"{type(error).__name__}: {error}"
        if versions.refused(error, endpoint=versions.another_servers(storage.endpoint_url)):
            return [
                Error(
                    f"The media bucket {storage.bucket_name!r} refused the app's request, or "
                    f"cannot be reached as configured ({said}): every upload would fail "
                    "and every image be refused.",
                    hint="Check AWS_MEDIA_BUCKET_NAME, AWS_S3_REGION_NAME, "
                    "AWS_S3_ENDPOINT_URL (its scheme, host and certificate), "
                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and that the keys' "
                    "policy names this bucket (docs/iam/app-policy.json). Keys made a "
                    "moment ago may need a minute: then heroku releases:retry.",
                    id="media.E002",
                )
            ]
        return [
            Warning(
                f"Could not ask the media bucket {storage.bucket_name!r} ({said}).",
                hint="Run `manage.py check --deploy` again once S3 answers; if it answers "
                "other apps, check AWS_S3_REGION_NAME and AWS_S3_ENDPOINT_URL.",
                id="media.W005",
            )
        ]
    return in_another_region(storage, versions.elsewhere(storage, found))


def in_another_region(storage, elsewhere, kind=Error, check_id="media.E003") -> list:
    """media.E003 (or `kind` and `check_id`) for `versions.elsewhere()`'s answer: uploads
    reach the bucket (botocore follows S3's redirect), its image URLs do not."""
    if elsewhere is None:
        return []
    found, signs_for = elsewhere
    return [
        kind(
            f"The media bucket {storage.bucket_name!r} is in {found}, not {signs_for}: "
            "every image URL would be signed for the wrong region and refused.",
            hint=f"Set the buckets' region: heroku config:set AWS_S3_REGION_NAME={found}",
            id=check_id,
        )
    ]


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
    # Asked only once S3 answered the versioning request: an S3 that does not answer
    # would make check --deploy wait on a second request too.
    storage = versions.media_storage()
    elsewhere = versions.region_elsewhere(storage)
    found = in_another_region(storage, elsewhere, Warning, "media.W004")
    if not versioning.enabled:
        return [
            *found,
            Warning(
                f"The media bucket {versions.bucket_name()!r} is not versioned "
                f"(versioning: {versioning.status}): a DELETE destroys a file for good.",
                hint="Run `python manage.py media_versioning enable` with the operator's "
                "credentials (docs/s3-media.md).",
                id="media.W003",
            ),
        ]
    return found
