"""The platform's system checks (config/checks.py)."""

import socket
import ssl

import pytest
from botocore.exceptions import (
    ChecksumError,
    ClientError,
    EndpointConnectionError,
    FlexibleChecksumError,
    NoCredentialsError,
    ParamValidationError,
    ReadTimeoutError,
    SSLError,
)
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from urllib3.util.ssl_match_hostname import CertificateError

from config import checks
from config.local import s3 as locals3
from config.media import storage as s3
from config.media import versions
from tests.conftest import bucket_elsewhere, policy_keys
from tests.processes import answering, http_get


@pytest.fixture
def nothing_collected(settings, tmp_path):
    """Production settings over a STATIC_ROOT the build never wrote to."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path
    return tmp_path


def test_the_collected_manifest_passes(settings):
    settings.DEBUG = False
    assert checks.static_files_are_collected(None) == []


def test_without_collected_static_files_every_command_stops_but_collectstatic(nothing_collected):
    [error] = checks.static_files_are_collected(None)
    assert error.id == "config.E001"
    assert str(nothing_collected / "staticfiles.json") in error.msg
    assert "DISABLE_COLLECTSTATIC" in error.hint
    # Unsetting the static bucket on a slug built for it makes a release, no build.
    assert "heroku config:unset AWS_STATIC_BUCKET_NAME" in error.hint
    assert "git commit --allow-empty" in error.hint
    with pytest.raises(SystemCheckError, match=r"config\.E001"):
        call_command("check")
    # collectstatic runs only the staticfiles checks: it is how the manifest gets made.
    call_command("collectstatic", "--noinput", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_the_release_phase_stops_before_the_deploy_goes_live(nothing_collected):
    with pytest.raises(SystemCheckError, match="static files were not collected"):
        # As the Procfile's release line runs it: call_command skips checks by default.
        call_command("migrate", verbosity=0, skip_checks=False)


def test_development_needs_no_collected_files(nothing_collected, settings):
    settings.DEBUG = True
    assert checks.static_files_are_collected(None) == []


def test_the_admin_at_its_default_url_passes():
    assert checks.admin_is_at_its_url(None) == []


def test_an_admin_url_the_sites_pages_take_stops_every_command(settings):
    """ADMIN_URL=products/: the product list answers where the admin's index should."""
    settings.ADMIN_URL = "products/"
    settings.ROOT_URLCONF = "tests.config.urls_admin_under_products"
    [error] = checks.admin_is_at_its_url(None)
    assert error.id == "config.E002"
    assert "at /products/ the site finds the page 'catalog:product_list'" in error.msg
    assert "ADMIN_URL=backstage" in error.hint
    with pytest.raises(SystemCheckError, match=r"config\.E002"):
        call_command("check")


def test_a_long_admin_url_the_sites_pages_take_is_shown_by_its_first_40_characters(settings):
    settings.ADMIN_URL = "products/" + "a" * 20_000 + "/"
    settings.ROOT_URLCONF = "tests.config.urls_admin_under_products"
    [error] = checks.admin_is_at_its_url(None)
    assert error.id == "config.E002"
    assert "a" * 41 not in error.msg
    assert len(error.msg) < 500


@pytest.fixture
def static_bucket(settings, fresh_s3, monkeypatch):
    """Static files on the local server's static bucket, as AWS_STATIC_BUCKET_NAME
    makes them, with nothing collected there yet."""
    settings.DEBUG = False
    options = {"endpoint_url": fresh_s3.endpoint_url, "region_name": locals3.REGION}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": s3.static_storage(locals3.STATIC_BUCKET, **options),
    }
    return fresh_s3


@pytest.mark.django_db
def test_a_release_onto_a_static_bucket_without_the_manifest_stops(
    static_bucket, monkeypatch, settings
):
    """`heroku config:set AWS_STATIC_BUCKET_NAME=...` on a built app makes a release
    but no build: collectstatic never uploaded, and every page would be a 500."""
    assert checks.static_files_are_collected(None) == []  # a command outside a release
    monkeypatch.setenv("DYNO", "web.1")
    assert checks.static_files_are_collected(None) == []  # nor on a web dyno
    monkeypatch.setenv("DYNO", "release.3")
    [error] = checks.static_files_are_collected(None)
    assert error.id == "config.E003"
    assert "staticfiles.json" in error.msg
    assert "git push" in error.hint
    with pytest.raises(SystemCheckError, match=r"config\.E003"):
        call_command("migrate", verbosity=0, skip_checks=False)

    # What collectstatic writes, read by a new release process (a storage made afresh).
    manifest = b'{"paths": {"css/site.css": "css/site.0123456789ab.css"}, "version": "1.1"}'
    put = static_bucket.client().put_object
    put(Bucket=locals3.STATIC_BUCKET, Key="staticfiles.json", Body=manifest)
    settings.STORAGES = dict(settings.STORAGES)
    assert checks.static_files_are_collected(None) == []

    # A manifest Django cannot load (not JSON) stops the release too.
    put(Bucket=locals3.STATIC_BUCKET, Key="staticfiles.json", Body=b"<html>")
    settings.STORAGES = dict(settings.STORAGES)
    [error] = checks.static_files_are_collected(None)
    assert (error.id, "cannot be used" in error.msg) == ("config.E003", True)


@pytest.mark.django_db
@pytest.mark.parametrize("refusal", ["keys S3 does not know", "keys for another bucket"])
def test_a_release_whose_keys_the_static_bucket_refuses_stops(
    static_bucket, monkeypatch, settings, refusal
):
    """`heroku config:set AWS_STATIC_BUCKET_NAME=shop-static` on an app whose keys'
    policy names no static bucket (docs/s3-media.md drops those statements without
    one), or a typo naming somebody else's bucket: S3 refuses the keys (403). That
    was a warning, "run check again once S3 answers", and the release went live
    with every page a 500, where the release before served them."""
    manifest = b'{"paths": {"css/site.css": "css/site.0123456789ab.css"}, "version": "1.1"}'
    put = static_bucket.client().put_object
    put(Bucket=locals3.STATIC_BUCKET, Key="staticfiles.json", Body=manifest)
    if refusal == "keys S3 does not know":
        keys = {"access_key": "AKIAWRONG", "secret_key": "wrong"}
    else:  # the app's policy, its static statements naming another bucket
        keys = policy_keys(static_bucket, "app-policy.json")
        static_bucket.client("iam").put_user_policy(
            UserName="app-policy",
            PolicyName="app-policy",
            PolicyDocument=(settings.BASE_DIR / "docs" / "iam" / "app-policy.json")
            .read_text()
            .replace("example-media-bucket", locals3.MEDIA_BUCKET),
        )
    storages = settings.STORAGES
    options = {**storages["staticfiles"]["OPTIONS"], **keys}
    settings.STORAGES = {**storages, "staticfiles": {**storages["staticfiles"], "OPTIONS": options}}
    monkeypatch.setenv("DYNO", "release.7")
    static_bucket.require_auth()
    try:
        [error] = checks.static_files_are_collected(None)
    finally:
        static_bucket.require_auth(False)
    assert error.id == "config.E004"
    assert "refused" in error.msg
    assert "AWS_ACCESS_KEY_ID" in error.hint


@pytest.mark.django_db
def test_on_an_endpoint_a_static_bucket_in_another_region_passes_the_release(
    static_bucket, monkeypatch, settings
):
    """Its URLs name the endpoint whatever the region: they are served. Where the
    region breaks them, on Amazon's S3, is decided by `versions.elsewhere()`
    (tests/media/test_settings.py); the release stops there with config.E008."""
    far = bucket_elsewhere(static_bucket, "far-static")
    manifest = b'{"paths": {"css/site.css": "css/site.0123456789ab.css"}, "version": "1.1"}'
    far.put_object(Bucket="far-static", Key="staticfiles.json", Body=manifest)
    far.put_object(Bucket="far-static", Key="css/site.0123456789ab.css", Body=b"body{}")
    policy = (settings.BASE_DIR / "docs" / "iam" / "static-bucket-policy.json").read_text()
    far.put_bucket_policy(
        Bucket="far-static", Policy=policy.replace("example-static-bucket", "far-static")
    )
    options = {"endpoint_url": static_bucket.endpoint_url, "region_name": locals3.REGION}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": s3.static_storage("far-static", **options),
    }
    monkeypatch.setenv("DYNO", "release.4")
    assert checks.static_files_are_collected(None) == []
    served = http_get(staticfiles_storage.url("css/site.css"))
    assert (served.status, served.body) == (200, b"body{}")
    [error] = checks._in_another_region("far-static", ("eu-west-1", "us-west-2"))
    assert error.id == "config.E008"
    assert "'far-static' is in eu-west-1, not us-west-2" in error.msg
    assert "AWS_S3_REGION_NAME=eu-west-1" in error.hint


@pytest.mark.parametrize(
    ("status", "found_id"),
    [
        *[(status, "config.W005") for status in (408, 429, 500, 503)],
        *[(status, "config.E004") for status in (301, 302, 307, 308, 403)],
    ],
)
def test_a_static_bucket_answering_not_now_is_a_warning_and_a_refusal_an_error(
    static_bucket, monkeypatch, settings, status, found_id
):
    """408 and 429 are "not now", as a 5xx is: they must not stop a rollback. A 403
    refuses, and with an endpoint URL (an S3-compatible server) so does any
    redirect, which such a server's is for good (http to https, say): they do."""
    # As S3 names a bucket's region on a redirect (botocore looks for it).
    server = answering(status, {"x-amz-bucket-region": "us-east-1", "Retry-After": "1"})
    try:
        monkeypatch.setenv("DYNO", "release.3")
        storages = settings.STORAGES
        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        options = {**storages["staticfiles"]["OPTIONS"], "endpoint_url": endpoint}
        settings.STORAGES = {
            **storages,
            "staticfiles": {**storages["staticfiles"], "OPTIONS": options},
        }
        [found] = checks.static_files_are_collected(None)
    finally:
        server.shutdown()
        server.server_close()
    assert found.id == found_id, found.msg


def client_error(status: int, code: str) -> ClientError:
    answer = {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return ClientError(answer, "GetObject")


def raised_from(kind, cause: Exception) -> Exception:
    """`kind` as botocore raises it for `cause`, through urllib3's error, as raised."""
    try:
        try:
            raise cause
        except Exception as error:
            raise OSError("urllib3's error") from error
    except OSError as error:
        try:
            raise kind(endpoint_url="https://s3.eu-wset-1.amazonaws.com", error=error) from error
        except kind as raised:
            return raised


@pytest.mark.parametrize(
    ("error", "refused"),
    [
        (client_error(403, "AccessDenied"), True),
        (client_error(403, "InvalidAccessKeyId"), True),
        (client_error(400, "InvalidBucketName"), True),
        (client_error(301, "PermanentRedirect"), True),  # a wrong region, with an endpoint set
        (client_error(307, "TemporaryRedirect"), False),  # a new bucket's name spreading
        (client_error(400, "RequestTimeout"), False),  # botocore's transient codes
        (client_error(400, "Throttling"), False),
        (client_error(503, "SlowDown"), False),
        (client_error(429, "429"), False),
        (NoCredentialsError(), True),
        (ParamValidationError(report="Invalid bucket name"), True),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), False),
        # A host DNS says does not exist (a typo'd region or endpoint), not one it
        # cannot look up now.
        (raised_from(EndpointConnectionError, socket.gaierror(socket.EAI_NONAME, "no")), True),
        (raised_from(EndpointConnectionError, socket.gaierror(socket.EAI_AGAIN, "later")), False),
        # A certificate the endpoint's name does not match, or no one trusts; not a
        # handshake cut short.
        (raised_from(SSLError, ssl.SSLCertVerificationError("certificate verify failed")), True),
        (raised_from(SSLError, ssl.SSLEOFError("EOF occurred in violation of protocol")), False),
        (raised_from(SSLError, ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER]")), True),
        (raised_from(SSLError, ssl.SSLError(1, "[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED]")), True),
        (raised_from(SSLError, CertificateError("hostname '127.0.0.1' doesn't match")), True),
        # A record damaged on the way, a proxy's alert while it reloads: not for good.
        (
            raised_from(SSLError, ssl.SSLError(1, "[SSL: DECRYPTION_FAILED_OR_BAD_RECORD_MAC]")),
            False,
        ),
        (raised_from(SSLError, ssl.SSLError(1, "[SSL: TLSV1_ALERT_INTERNAL_ERROR]")), False),
        (raised_from(SSLError, ssl.SSLError(1, "[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE]")), False),
        # An empty answer: what a provider's DNS outage looks like.
        (raised_from(EndpointConnectionError, socket.gaierror(socket.EAI_NODATA, "none")), False),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:9"), False),
        # A body damaged on the way: no answer, as one cut short is.
        (FlexibleChecksumError(error_msg="Expected checksum a did not match b"), False),
        (ChecksumError(checksum_type="md5", expected_checksum="a", actual_checksum="b"), False),
        (OSError("disk"), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_only_a_refusal_stops_the_release(error, refused):
    assert versions.refused(error) is refused


@pytest.mark.parametrize(
    ("endpoint", "another"),
    [
        (None, False),
        ("", False),
        ("https://s3.cn-north-1.amazonaws.com.cn", False),
        ("https://s3.eu-west-1.amazonaws.com", False),
        ("http://127.0.0.1:9000", True),
        ("https://abc123.r2.cloudflarestorage.com", True),
        ("https://s3.amazonaws.example.net", True),
    ],
)
def test_an_endpoint_on_amazons_own_hosts_is_amazons_s3(endpoint, another):
    assert versions.another_servers(endpoint) is another


@pytest.mark.parametrize("status", [302, 303, 307, 308])
def test_a_redirect_refuses_from_an_endpoint_and_not_on_amazon(status):
    """Amazon's S3 sends a 307 while a new bucket's name spreads through DNS, which
    passes by itself (botocore follows its other redirects); an S3-compatible
    server's redirect is for good."""
    error = client_error(status, str(status))
    assert versions.refused(error, endpoint=True) is True
    assert versions.refused(error) is False


def test_a_release_that_cannot_ask_the_static_bucket_goes_on_with_a_warning(
    static_bucket, monkeypatch, settings, refusing_port
):
    """An S3 outage must not stop a rollback or a config change."""
    monkeypatch.setenv("DYNO", "release.3")
    storages = settings.STORAGES
    endpoint = f"http://127.0.0.1:{refusing_port}"
    options = {**storages["staticfiles"]["OPTIONS"], "endpoint_url": endpoint}
    settings.STORAGES = {**storages, "staticfiles": {**storages["staticfiles"], "OPTIONS": options}}
    [warning] = checks.static_files_are_collected(None)
    assert warning.id == "config.W005"
    assert "could not be read" in warning.msg
