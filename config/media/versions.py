"""Versions of media files: the bucket's versioning, lifecycle, and restoring a file.

django-storages has no version API, so these functions speak boto3 through the
default storage's own client and bucket: the same credentials, endpoint and
timeouts as every upload. Names are storage names (what a FileField holds).

On a versioned bucket `default_storage.delete(name)` lays a delete marker; the
bytes stay as a non-current version until a lifecycle rule expires them.
`restore(name)` removes the marker; `restore(name, version_id)` copies an older
version over the current one, which needs no permission to delete anything.
"""

import functools
import logging
import re
import socket
import ssl
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import unquote, urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import default_storage


@functools.cache
def storage_errors() -> tuple[type[Exception], ...]:
    """What a storage call raises when S3 is unreachable, refuses the credentials or
    has no such bucket (OSError: a full or read-only local disk): `except
    storage_errors():`, which asks only when something was raised. boto3 loads here
    or at a storage's first use, not at start (config/media/storage.py)."""
    from boto3.exceptions import Boto3Error

    return (BotoCoreError, ClientError, Boto3Error, OSError)


# S3's and botocore's words for "not now" in a 4xx (botocore.retries.standard's
# transient and throttled codes), and the statuses that say it without one.
NOT_NOW_CODES = frozenset(
    {
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "RequestThrottled",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "SlowDown",
    }
)
NOT_NOW_STATUSES = frozenset({408, 429})


def refused(error: Exception, *, endpoint: bool = False) -> bool:
    """Whether S3 or botocore refused the request, or the configuration cannot reach
    it, as opposed to no answer now.

    Refused: a 301 or a 4xx from S3 but those that mean "not now" (a timeout,
    throttling); with an `endpoint` URL (an S3-compatible server) any redirect, as
    such a server's is for good (http to https, say); botocore's own refusal before
    it sends (no keys, a bucket name or region it cannot use); a host DNS says does
    not exist (a typo'd region or endpoint); TLS that cannot work as configured
    (a certificate that fails verification or names another host, https spoken to
    a plain server, a client certificate asked for: TLS_AS_CONFIGURED).
    No answer: no connection, a name not looked up now or answered empty (what a
    provider's DNS outage looks like), a timeout, a handshake or an answer cut
    short, damaged or ended by the server's alert (a proxy reloading), a 5xx, and
    on Amazon's S3 a 307, which it sends while a new bucket's name spreads through
    DNS and which passes by itself."""
    from botocore import exceptions
    from urllib3.util.ssl_match_hostname import CertificateError

    for cause in _causes(error):
        if isinstance(cause, socket.gaierror) and cause.errno == socket.EAI_NONAME:
            return True
        if isinstance(cause, ssl.SSLCertVerificationError | CertificateError):
            return True  # CertificateError: urllib3's own check of the host name
        if isinstance(cause, ssl.SSLError) and any(
            reason in str(cause) for reason in TLS_AS_CONFIGURED
        ):
            return True
    if isinstance(error, exceptions.ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        code = error.response.get("Error", {}).get("Code", "")
        # A 301: a wrong region's PermanentRedirect, which botocore cannot follow
        # with an endpoint URL set.
        if status == HTTPStatus.MOVED_PERMANENTLY or (endpoint and 300 <= status < 400):
            return True
        return 400 <= status < 500 and status not in NOT_NOW_STATUSES and code not in NOT_NOW_CODES
    refusals = (
        exceptions.NoCredentialsError,
        exceptions.PartialCredentialsError,
        exceptions.ParamValidationError,
        exceptions.NoRegionError,
        exceptions.InvalidRegionError,
        exceptions.UnknownEndpointError,
        exceptions.EndpointResolutionError,
        exceptions.InvalidEndpointConfigurationError,
        exceptions.InvalidS3AddressingStyleError,
        exceptions.UnsupportedS3ArnError,
        exceptions.UnknownSignatureVersionError,
        exceptions.InvalidConfigError,
    )
    return isinstance(error, refusals)


# OpenSSL's reasons for a TLS connection that cannot work as configured, whenever it
# is tried: https spoken to a plain server (which answers in plain text), a server
# asking for a client certificate the app has none of.
TLS_AS_CONFIGURED = (
    "WRONG_VERSION_NUMBER",
    "HTTP_REQUEST",
    "CERTIFICATE_REQUIRED",
    "CERTIFICATE_VERIFY_FAILED",
)


# The domains of Amazon's S3 hosts: its own partition's, China's, the European
# Sovereign Cloud's.
AMAZON_S3_DOMAINS = (".amazonaws.com", ".amazonaws.com.cn", ".amazonaws.eu")


def another_servers(endpoint_url: str | None) -> bool:
    """Whether `endpoint_url` names an S3-compatible server, not one of Amazon's own S3
    hosts (China's s3.cn-north-1.amazonaws.com.cn is given as an endpoint): there a
    redirect is for good, where Amazon's 307 for a new bucket passes by itself."""
    host = urlsplit(endpoint_url or "").hostname or ""
    return bool(endpoint_url) and not host.endswith(AMAZON_S3_DOMAINS)


def _causes(error: BaseException):
    """`error` and what it was raised from or while handling, in turn."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


logger = logging.getLogger(__name__)

LIFECYCLE_RULE_ID = "media-versions"
# What a page shows of a storage error: S3's own message can name the account and
# the IAM user (an AccessDenied names the user's ARN), so the log has it, not the page.
STORAGE_ERROR_SHOWN = "S3 did not answer as expected; the details are in the log."


class MediaError(Exception):
    """A media operation that cannot be done; the message is meant for people."""


def shown(value: str) -> str:
    """A value typed for a message (a version id is about 32 characters; one pasted
    wrong may be thousands): its first 40 characters and its length."""
    if len(value) <= 40:
        return repr(value)
    return f"{value[:40]!r}... ({len(value)} characters)"


class NotOnS3(MediaError):
    pass


class NothingToRestore(MediaError):
    pass


class InvalidName(MediaError):
    """A name that is not exactly one key of the bucket (see `check_name`)."""


def never_carried_out(error: Exception) -> bool:
    """Whether a request that raised `error` surely did nothing on S3: no connection
    was ever made, or S3 refused it (a 4xx). Anything else, a 5xx included (botocore
    reads a 200 whose body was cut short as one), may come after S3 carried it out."""
    from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError

    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return 400 <= status < 500
    return isinstance(error, EndpointConnectionError | ConnectTimeoutError)


def not_again(**kwargs):
    """botocore's needs-retry hook for a request it must never send twice: False,
    which botocore reads as no retry, ahead of its retry handler's answer."""
    return False


class CopiedUnconfirmed(MediaError):
    """A restore whose copy S3 wrote, as `version_id`, not then seen current: S3 not
    answering the listing after it, the listing lagging, or a delete or an upload
    landing straight after. The copy is a version the app's keys never delete: it
    is to be told and logged as written."""

    def __init__(self, message: str, version_id: str | None):
        super().__init__(message)
        self.version_id = version_id


# S3's limit on the length of a key, in bytes of UTF-8.
MAX_KEY_BYTES = 1024


@dataclass(frozen=True)
class Version:
    """One version of a file, or a delete marker (no size)."""

    version_id: str
    is_latest: bool
    last_modified: datetime
    size: int | None
    # S3's ETag: equal for a version and its copy (a digest of the bytes); None for a
    # delete marker. Not compared: a version is its id.
    etag: str | None = field(default=None, compare=False)

    @property
    def is_delete_marker(self) -> bool:
        return self.size is None


@dataclass(frozen=True)
class Versioning:
    status: str  # "Enabled", "Suspended" or "Never enabled"
    mfa_delete: str  # "Enabled" or "Disabled"

    @property
    def enabled(self) -> bool:
        return self.status == "Enabled"

    def __str__(self) -> str:
        return f"{self.status} (MFA delete: {self.mfa_delete})"


def media_storage():
    """The default storage, an S3Storage, or NotOnS3."""
    from storages.backends.s3 import S3Storage

    if not isinstance(default_storage, S3Storage):
        raise NotOnS3(
            f"Media files are stored by {default_storage.__class__.__name__}, not S3: "
            "set AWS_MEDIA_BUCKET_NAME (see docs/s3-media.md)."
        )
    return default_storage


def _client_and_bucket():
    storage = media_storage()
    return storage.connection.meta.client, storage.bucket_name


def bucket_name() -> str:
    return media_storage().bucket_name


def check_name(name: str) -> None:
    """Refuse a storage name that does not map one-to-one onto one S3 key.

    django-storages normalises names before it makes them keys: "." and ".." become
    the empty key (a prefix matching the whole bucket), "../x" becomes "x", "a//b"
    "a/b". A name must already be in that normal form: relative, segments separated
    by single slashes, none of them empty, "." or ".." (also once percent-decoded,
    as a URL would be), no backslash, no control, format or unassigned character
    and no U+FFFD (Django's upload names never hold one), at most S3's 1024 bytes.
    """
    if not name:
        raise InvalidName("A storage name cannot be empty.")
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise InvalidName("A storage name has no control or invisible characters.")
    if "\ufffd" in name:  # what Django decodes bytes that are not UTF-8 to
        raise InvalidName("A storage name is valid UTF-8.")
    if len(name.encode()) > MAX_KEY_BYTES:
        raise InvalidName(f"A storage name is at most {MAX_KEY_BYTES} bytes (S3's key limit).")
    if "\\" in name:
        raise InvalidName("A storage name separates folders with /, not \\.")
    for segment in name.split("/"):
        if unquote(segment) in ("", ".", ".."):
            raise InvalidName(
                "A storage name is relative, with no empty, '.' or '..' part: "
                "use the path a file field holds."
            )


def object_key(name: str) -> str:
    """The S3 key the default storage uses for a storage name (InvalidName if not one)."""
    check_name(name)
    key = media_storage()._normalize_name(name)
    if len(key.encode()) > MAX_KEY_BYTES:  # with the storage's location in front
        raise InvalidName(f"{name!r} makes a key longer than {MAX_KEY_BYTES} bytes.")
    return key


def server_time() -> datetime | None:
    """The bucket's server's clock, as the Date header of its answer to a HEAD of the
    bucket gives it (to the second): the clock its versions' times are read from.
    None without a Date header it can read (a proxy's, two of them), or when the
    HEAD fails: the caller goes by this machine's clock instead."""
    client, bucket = _client_and_bucket()
    try:
        headers = client.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPHeaders"]
    except storage_errors():
        return None
    try:
        said = parsedate_to_datetime(headers.get("date", ""))
    except (TypeError, ValueError):
        return None
    return said if said.tzinfo is not None else None


def versioning_status() -> Versioning:
    client, bucket = _client_and_bucket()
    answer = client.get_bucket_versioning(Bucket=bucket)
    # A bucket that never had versioning on answers without a Status.
    return Versioning(answer.get("Status", "Never enabled"), answer.get("MFADelete", "Disabled"))


def unversioned_note(listed: list[Version]) -> str | None:
    """What to add to a listing that holds no version a versioned bucket would have
    made (none, or `null` ones only), when the bucket's versioning is off: without it
    "No file named ..." reads as a name never used, and one `null` version as a file
    written once. None otherwise, and when S3 does not say (only a note: logged)."""
    if any(version.version_id != "null" for version in listed):
        return None
    bucket = bucket_name()
    try:
        status = versioning_status().status
    except storage_errors() as error:
        logger.warning("The versioning of bucket %r is unknown: %s", bucket, error)
        return None
    if status == "Enabled":
        return None
    return (
        f"Versioning is off on bucket {bucket!r} ({status}): "
        "a file deleted or written over there cannot be brought back."
    )


def _nothing(message: str, listed: list[Version]) -> NothingToRestore:
    """NothingToRestore saying `message`, and why, on a bucket whose versioning is off."""
    note = unversioned_note(listed)
    return NothingToRestore(f"{message} {note}" if note else message)


def bucket_region(storage) -> str | None:
    """The region S3 names for `storage`'s bucket in HeadBucket's answer
    (x-amz-bucket-region), None when it names none; raises storage_errors() as
    the request does. HeadBucket needs the s3:ListBucket the app's policy grants.

    On AWS botocore follows S3's redirect to a bucket's own region, so every call
    the app makes succeeds in any region, while the URLs it makes locally, for the
    configured region, are refused: only this answer tells.
    """
    answer = storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)
    return _region_named(answer)


def _region_named(answer: dict) -> str | None:
    return answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("x-amz-bucket-region")


def elsewhere(storage, found: str | None) -> tuple[str, str] | None:
    """(`found`, the region `storage` makes URLs for) when they differ on Amazon's S3;
    None otherwise. Sends nothing.

    Only on Amazon's S3 (no endpoint URL): with one, URLs name the endpoint's host
    whatever the region, and a server that checks the region refuses the app's own
    requests too. There a presigned URL carries its region in the signature, so
    any other is refused; an unsigned one (the static bucket's) names the region's
    host, which answers a bucket elsewhere with a redirect a browser cannot follow.
    Even us-east-1's, S3's global host, which reaches older regions' buckets by
    DNS, refuses those of the regions opened since 2019, and redirects a new
    bucket's for up to a day: one region for both buckets, the bucket's.
    """
    if getattr(storage, "endpoint_url", None) or not found:
        return None
    signs_for = storage.connection.meta.client.meta.region_name  # made here; sends nothing
    return None if found == signs_for else (found, signs_for)


def region_elsewhere(storage) -> tuple[str, str] | None:
    """`elsewhere()` for the region S3 names for `storage`'s bucket: in HeadBucket's
    answer, or in its refusal (keys without s3:ListBucket get a 403 naming it).
    None when S3 does not answer (the caller's other checks report that)."""
    if getattr(storage, "endpoint_url", None):
        return None  # nothing to ask: see elsewhere()
    try:
        found = bucket_region(storage)
    except ClientError as error:
        found = _region_named(error.response)
    except storage_errors():
        return None
    return elsewhere(storage, found)


# What S3's x-amz-mfa header carries: the device's serial number or ARN, a space,
# and the six digits it shows now. ASCII: a header carries no other letters, and
# \d matches the digits of every script.
MFA_VALUE = re.compile(r"[!-~]+ [0-9]{6}")


def mfa_header(mfa: str | None) -> dict[str, str]:
    """The `MFA` argument of an S3 call for `mfa`, or none; a MediaError, before any
    request, for a value S3 could only refuse."""
    if mfa is None:
        return {}
    if not MFA_VALUE.fullmatch(mfa.strip()):
        raise MediaError(
            "--mfa needs the MFA device's serial number (or ARN), a space and its current "
            'six-digit code, e.g. "arn:aws:iam::123456789012:mfa/root-device 123456".'
        )
    return {"MFA": mfa.strip()}


def set_versioning(
    enabled: bool, *, mfa_delete: bool | None = None, mfa: str | None = None
) -> Versioning:
    """Enable or suspend versioning; optionally switch MFA delete (root user and MFA only).

    `mfa` is "<device serial or ARN> <current code>"; S3 requires it to change MFA
    delete, and to change versioning at all once MFA delete is on.
    """
    extra = mfa_header(mfa)
    client, bucket = _client_and_bucket()
    configuration = {"Status": "Enabled" if enabled else "Suspended"}
    if mfa_delete is not None:
        if not mfa:
            raise MediaError('Changing MFA delete needs --mfa "SERIAL CODE" (root user only).')
        configuration["MFADelete"] = "Enabled" if mfa_delete else "Disabled"
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration=configuration, **extra)
    return versioning_status()


def lifecycle_rules() -> list[dict]:
    client, bucket = _client_and_bucket()
    try:
        return client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchLifecycleConfiguration":
            return []
        raise


def put_lifecycle(*, noncurrent_days: int, keep_versions: int, abort_days: int = 7) -> dict:
    """Set this app's lifecycle rule (other rules on the bucket are kept) and return it.

    Non-current versions are billed as whole objects: expire them `noncurrent_days`
    after they stop being current, keeping the newest `keep_versions` of them
    regardless; remove delete markers left with no version behind them; abort
    multipart uploads that never completed.
    """
    if noncurrent_days < 1:
        raise MediaError("--noncurrent-days must be at least 1.")
    if not 0 <= keep_versions <= 100:
        raise MediaError("--keep-versions must be between 0 and 100 (S3's limit).")
    if abort_days < 1:
        raise MediaError("--abort-multipart-days must be at least 1.")
    expiration = {"NoncurrentDays": noncurrent_days}
    if keep_versions:
        expiration["NewerNoncurrentVersions"] = keep_versions
    rule = {
        "ID": LIFECYCLE_RULE_ID,
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "NoncurrentVersionExpiration": expiration,
        "Expiration": {"ExpiredObjectDeleteMarker": True},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": abort_days},
    }
    others = [r for r in lifecycle_rules() if r.get("ID") != LIFECYCLE_RULE_ID]
    client, bucket = _client_and_bucket()
    client.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": [*others, rule]}
    )
    return rule


# How many of a file's newest entries restore() reads first, and after its copy.
RECENT = 10


def list_versions(name: str, limit: int | None = None) -> list[Version]:
    """Every version and delete marker of one file, newest first (empty: unknown name);
    with `limit`, only that many of the newest, in as few requests as S3 allows (a
    file whose history only grows, as the tour's does, lists in one page)."""
    client, bucket = _client_and_bucket()
    key = object_key(name)
    files, markers = [], []
    # S3 lists one key's entries newest first, versions and markers counted together.
    paging = {"PageSize": min(limit, 1000)} if limit else {}
    pages = client.get_paginator("list_object_versions").paginate(
        Bucket=bucket, Prefix=key, PaginationConfig=paging
    )
    for page in pages:
        entries = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        # The prefix also matches "photo.jpg.bak"; keep this exact key only.
        files += [
            Version(
                entry["VersionId"],
                entry["IsLatest"],
                entry["LastModified"],
                entry["Size"],
                entry.get("ETag"),
            )
            for entry in page.get("Versions", [])
            if entry["Key"] == key
        ]
        markers += [
            Version(entry["VersionId"], entry["IsLatest"], entry["LastModified"], None)
            for entry in page.get("DeleteMarkers", [])
            if entry["Key"] == key
        ]
        # Keys come in order: once one sorts after this key, no later page holds it
        # (a name like "a" would page through a whole folder, up to 5 s a page).
        if any(entry["Key"] > key for entry in entries):
            break
        if limit and len(files) + len(markers) >= limit:
            break
    # S3 lists versions and delete markers apart, each newest first, with times to the
    # second. Merge by time, current first; a stable sort keeps each list's order, and
    # within one second a marker goes above the versions, as it usually hides one of
    # them (a delete, then a restore by copy, is marker over version under the copy).
    # That is a guess below the current one: restore() relies on S3's IsLatest alone.
    versions = markers + files
    versions.sort(key=lambda v: (not v.is_latest, -v.last_modified.timestamp()))
    return versions[:limit]


def restore(
    name: str,
    version_id: str | None = None,
    *,
    mfa: str | None = None,
    on_copied: Callable[[], None] | None = None,
) -> Version:
    """Bring a file back and return its new current version.

    Without `version_id`: remove the delete markers on top of the file, so its last
    version is current again (needs s3:DeleteObjectVersion, and `mfa` when MFA
    delete is on). With it: copy that version over the current one, which adds a
    version and deletes nothing (up to 5 GB, the limit of a single copy); `on_copied`
    is called as soon as S3 has written the copy, even if what follows fails.
    """
    extra = mfa_header(mfa)
    client, bucket = _client_and_bucket()
    key = object_key(name)
    # A version to copy is most often among the newest (a bad edit just made): the
    # whole history, which only grows, is read only when it is not.
    versions = list_versions(name, limit=RECENT if version_id else None)
    if (
        version_id
        and len(versions) == RECENT
        and version_id not in {v.version_id for v in versions}
    ):
        versions = list_versions(name)
    if not versions:
        raise _nothing(f"No file named {name!r} in bucket {bucket!r}.", versions)
    if version_id is None:
        if not versions[0].is_delete_marker:
            deleted = f"{name!r} is not deleted; pass a version to roll it back to an older one."
            raise _nothing(deleted, versions)
        if all(v.is_delete_marker for v in versions):
            raise _nothing(f"{name!r} has only delete markers: no version to restore.", versions)
        # The marker S3 calls current, one at a time: below it the listing's order is
        # known to the second only, and a marker there may lie under a version. Only
        # this listing's markers, each once: one laid since is someone's delete.
        markers = [v.version_id for v in versions if v.is_delete_marker]
        kept = {v.version_id for v in versions if not v.is_delete_marker}
        removed = 0
        while versions and versions[0].is_latest and versions[0].version_id in markers:
            # A "null" marker was laid while versioning was suspended; while it still is,
            # an upload replaces it with a "null" version, which removing it would delete.
            if versions[0].version_id == "null" and not versioning_status().enabled:
                raise MediaError(
                    f"{name!r}: {removed} delete marker(s) removed; the next is the null "
                    "version and versioning is suspended, so an upload made meanwhile would "
                    "go with it. Turn versioning on first (manage.py media_versioning enable)."
                )
            markers.remove(versions[0].version_id)
            client.delete_object(Bucket=bucket, Key=key, VersionId=versions[0].version_id, **extra)
            versions, removed = list_versions(name), removed + 1
        top = versions[0] if versions and versions[0].is_latest else None
        if top is None or top.version_id not in kept:
            happened = (
                "S3 lists no version as current (one expired or was deleted meanwhile, "
                "or its listing lags)"
                if top is None
                else f"the current entry, {top.version_id!r}, is newer: "
                f"{'a delete' if top.is_delete_marker else 'an upload'} came after them"
            )
            raise MediaError(
                f"{name!r}: {removed} delete marker(s) removed, and {happened}: "
                "list its versions again."
            )
        return top
    chosen = next((v for v in versions if v.version_id == version_id), None)
    if chosen is None:
        raise _nothing(f"{name!r} has no version {shown(version_id)}.", versions)
    if chosen.is_delete_marker:
        raise NothingToRestore(f"Version {shown(version_id)} of {name!r} is a delete marker.")
    if chosen.is_latest:
        raise _nothing(f"Version {shown(version_id)} is already the current {name!r}.", versions)
    # The same restore again (a double click, two tabs): the current version holds this
    # one's bytes, and another copy would be a version the app's keys never delete.
    top = versions[0]
    if top.is_latest and not top.is_delete_marker and chosen.etag and top.etag == chosen.etag:
        raise _nothing(
            f"The current {name!r} holds the bytes of version {shown(version_id)} already "
            f"(version {shown(top.version_id)}): nothing was copied.",
            versions,
        )
    # Unless versioning is on, S3 writes the copy as the null version, over the one
    # already there (a file stored before versioning was on): lost for good.
    status = versioning_status().status
    if status != "Enabled":
        raise MediaError(
            f"Bucket {bucket!r}: versioning is {status}, so a copy would replace {name!r}'s "
            "null version for good. Turn it on first (manage.py media_versioning enable)."
        )
    # Sent once: botocore sends a request again after an error or a lost answer, and
    # S3 may have written the first copy, which the app would never see.
    client.meta.events.register_first(
        "needs-retry.s3.CopyObject", not_again, unique_id="config.media.versions.not_again"
    )
    try:
        copied = client.copy_object(
            Bucket=bucket,
            Key=key,
            CopySource={"Bucket": bucket, "Key": key, "VersionId": version_id},
        )
    except storage_errors() as error:
        if never_carried_out(error):
            raise
        if on_copied is not None:  # counted, as a copy it may be
            on_copied()
        # S3's own words can name the account and the IAM user: the log has them.
        logger.warning("Restore of %r: S3 may have written the copy: %s", name, error)
        raise CopiedUnconfirmed(
            f"{name!r}: S3 may have written the copy, but its answer was lost or an "
            "error came back (the log has it): list its versions before restoring it again.",
            None,
        ) from error
    if on_copied is not None:
        on_copied()
    new_version = copied.get("VersionId")  # S3 sends it with versioning on; not every server
    copy = f"{name!r} was copied back as version {new_version!r}, but"
    # The copy is the newest entry unless something came after it: a few suffice.
    try:
        listed = list_versions(name, limit=RECENT)
    except storage_errors() as error:
        logger.warning("Restore of %r: copied as %r, then not listed: %s", name, new_version, error)
        raise CopiedUnconfirmed(
            f"{copy} S3 could not then be asked whether it is current (the log has it): "
            "list its versions again before restoring it again.",
            new_version,
        ) from error
    restored = next((v for v in listed if v.version_id == new_version), None)
    if restored is None:  # listings are eventually consistent on some S3-compatible servers
        raise CopiedUnconfirmed(f"{copy} that version is not listed yet.", new_version)
    if not restored.is_latest:  # a delete or an upload landed straight after the copy
        raise CopiedUnconfirmed(
            f"{copy} that version is not current (a delete or an upload came after it): "
            "list its versions again.",
            new_version,
        )
    return restored
