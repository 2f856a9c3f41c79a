"""`STORAGES` entries for the two S3 buckets: media (versioned) and static (plain).

Settings build them from environment variables; the local S3 server used by the
demo and the tests builds the same entries, so both run the production options.
Reference: https://django-storages.readthedocs.io/en/latest/backends/amazon-S3.html

Nothing here imports boto3 or botocore: the settings import this module, and a
process that never touches a bucket (a `manage.py` command, the release phase)
starts about a fifth of a second sooner without them. The storages load them
when first used; a web process, before gunicorn forks its workers (config/wsgi.py).
"""

# For hashed static files on a bucket: the one-year header WhiteNoise sends for them
# (config/static_versioning, cache_hashed_files_for_a_year).
IMMUTABLE_CACHE_CONTROL = "max-age=31536000, public, immutable"
# For the files a deploy changes under the same name (the unhashed copies, the
# manifest): WhiteNoise's lifetime for them in production.
UNHASHED_CACHE_CONTROL = "max-age=60, public"


# Every S3 call must end well inside Heroku's 30 s router timeout, instead of
# botocore's 60 s waits and three attempts. Two attempts in all: an endpoint that
# takes the connection and never answers costs 2 x 5 s, one that drops it 2 x 3 s
# (measured in docs/production.md). S3 answers in well under a second; its
# performance guide even advises retrying requests slower than a few seconds.
# Note `total_max_attempts`: botocore's `max_attempts` counts retries only. The media
# storage sends a write once (config/media/signed.py).
# Presigned URLs use Signature Version 4, the only one regions opened since 2014
# accept (botocore may otherwise sign them with the deprecated version 2).
# botocore's `Config` arguments; `ClientLimits` makes the Config.
CLIENT_CONFIG = {
    "signature_version": "s3v4",
    "connect_timeout": 3,
    "read_timeout": 5,
    "retries": {"mode": "standard", "total_max_attempts": 2},
}


class ClientLimits:
    """For django-storages' S3 storages: a client made with CLIENT_CONFIG, unless the
    storage's OPTIONS give their own `client_config` (a botocore Config).

    On Amazon's S3 (no `endpoint_url`), URLs name the bucket's own regional host:
    botocore otherwise signs them for the global one (bucket.s3.amazonaws.com),
    which S3 refuses for buckets in the regions opened since 2019 (eu-north-1,
    il-central-1...) and redirects, breaking the signature, for up to a day after a
    bucket is made in another region (boto/boto3#4768). A name with a dot cannot be
    a host under S3's certificate: botocore puts it in the path, on the same host.
    """

    def __init__(self, **settings):
        if settings.get("client_config") is None:
            from botocore.config import Config  # here: see the module's docstring

            options = dict(CLIENT_CONFIG)
            bucket = settings.get("bucket_name") or ""
            if not settings.get("endpoint_url") and "." not in bucket:
                options["s3"] = {"addressing_style": "virtual"}
            settings["client_config"] = Config(**options)
        super().__init__(**settings)


def media_storage(bucket_name: str, **options) -> dict:
    """The `default` storage: uploads, on the versioned media bucket."""
    return _s3_storage(
        # django-storages' S3Storage, reusing each signed URL for a while (signed.py),
        # its sessions sharing botocore's service data (boto_sessions.py).
        "config.media.signed.MediaStorage",
        bucket_name,
        # Objects stay private; pages get URLs signed for an hour.
        querystring_auth=True,
        querystring_expire=3600,
        # An upload named like an existing file gets a new name rather than
        # replacing it: two products sharing "photo.jpg" are two files, and
        # versions stay what they are for, undoing a mistake.
        file_overwrite=False,
        **options,
    )


def static_storage(bucket_name: str, **options) -> dict:
    """The `staticfiles` storage on the plain static bucket: hashed names, cached for a year."""
    return _s3_storage(
        # django-storages' S3ManifestStaticStorage: writes staticfiles.json and hashed
        # copies (site.3f2a9c1b7d4e.css), like WhiteNoise (config/media/boto_sessions.py).
        "config.media.boto_sessions.StaticStorage",
        bucket_name,
        # Plain URLs: the bucket policy lets anyone read it (see docs/s3-media.md).
        querystring_auth=False,
        # A year, never revalidated: collectstatic gives every changed file a new
        # name. The same header WhiteNoise sends for them (config/static_versioning).
        # The storage gives the unhashed copies UNHASHED_CACHE_CONTROL instead.
        object_parameters={"CacheControl": IMMUTABLE_CACHE_CONTROL},
        **options,
    )


def _s3_storage(backend: str, bucket_name: str, **options) -> dict:
    """`options` may set endpoint_url and region_name, and override any of these."""
    return {
        "BACKEND": backend,
        "OPTIONS": {
            "bucket_name": bucket_name,
            # No ACLs: buckets created since April 2023 enforce "bucket owner"
            # ownership and reject them. Access is granted by IAM and bucket policies.
            "default_acl": None,
            **options,
        },
    }
