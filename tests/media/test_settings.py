"""Storage settings in production: S3 required, the static bucket, the deploy check."""

import functools
import json
import os
import re

import botocore.session
import pytest
from botocore.exceptions import InvalidRegionError, ParamValidationError
from botocore.handlers import VALID_BUCKET, validate_bucket_name
from botocore.utils import validate_region_name
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from config import env
from config.local import s3 as locals3
from config.media import checks, versions
from config.media import storage as s3
from tests import builds
from tests.conftest import bucket_elsewhere, policy_keys
from tests.processes import (
    S3_VARIABLES,
    answering,
    http_get,
    manage,
    production_env,
    released_database,
    run_python,
)

UNREACHABLE_DB = "postgres://u:p@127.0.0.1:9/unreachable"
SHOW_STORAGES = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'storages': s.STORAGES, 'middleware': s.MIDDLEWARE}, default=str))"
)


def storages_in_production(**env: str) -> dict:
    result = run_python(SHOW_STORAGES, production_env(DATABASE_URL=UNREACHABLE_DB, **env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_without_a_media_bucket_stops_naming_the_variable():
    env = production_env(DATABASE_URL=UNREACHABLE_DB, AWS_MEDIA_BUCKET_NAME=None)
    result = run_python(SHOW_STORAGES, env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "AWS_MEDIA_BUCKET_NAME" in result.stderr


@pytest.mark.parametrize("static", ["{}", " {} "], ids=["same", "same, with spaces"])
def test_the_media_bucket_named_as_the_static_bucket_too_stops_naming_it(static):
    """collectstatic would upload into the private, versioned media bucket (each build
    piling up versions of every file) and pages link its objects unsigned, which its
    blocked public access refuses: every stylesheet a 403."""
    bucket = os.environ["AWS_MEDIA_BUCKET_NAME"]
    env = production_env(DATABASE_URL=UNREACHABLE_DB, AWS_STATIC_BUCKET_NAME=static.format(bucket))
    result = run_python(SHOW_STORAGES, env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: AWS_STATIC_BUCKET_NAME names the media bucket" in result.stderr
    assert "unset it and build again" in result.stderr


@pytest.mark.parametrize("key", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
@pytest.mark.parametrize("value", [None, " "], ids=["unset", "blank"])
def test_production_without_the_apps_keys_stops_naming_the_key(key, value):
    """Without them every image URL would fail to sign: a 500 on each page showing one."""
    env = production_env(DATABASE_URL=UNREACHABLE_DB, **{key: value})
    result = run_python(SHOW_STORAGES, env)
    assert result.returncode != 0
    assert f"ImproperlyConfigured: The environment variable {key} is required" in result.stderr


@pytest.mark.parametrize("key", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
@pytest.mark.parametrize(
    "around",
    [
        " {} ",
        "{}\n",
        "\t{}",
        "AKIA {}",
        '"{}"',
        "'{}'",
        "AKIA\u200b{}",
        "\ufeff{}",
        "{}\u00a0",
        "s\u00e9cret{}",
        "{}\x7f",
    ],
    ids=[
        "spaces",
        "newline",
        "tab",
        "inside",
        "double quotes",
        "single quotes",
        "zero-width space",
        "byte order mark",
        "non-breaking space",
        "accented letter",
        "delete",
    ],
)
def test_keys_pasted_with_spaces_or_quotes_are_refused_naming_the_key(monkeypatch, key, around):
    """boto3 reads the keys from the environment as they are, and signs with them
    whatever they hold: S3 would refuse each call. AWS's keys are printable ASCII;
    the value is never shown."""
    monkeypatch.setenv(key, around.format("AKIAEXAMPLE"))
    with pytest.raises(ImproperlyConfigured, match=f"{key} has spaces, a line break, quotes") as e:
        env.required(key, as_set=True)
    assert "EXAMPLE" not in str(e.value)


def test_the_bucket_name_rule_is_botocores():
    assert env.BUCKET_NAME.pattern == VALID_BUCKET.pattern


def botocore_refuses_bucket(name: str) -> bool:
    try:
        validate_bucket_name({"Bucket": name})
    except ParamValidationError:
        return True
    return False


PASTED_BUCKETS = [
    '"shop-media"',
    "s3://shop-media",
    "https://shop-media.s3.amazonaws.com",
    "shop-media/",
    "arn:aws:s3:::shop-media",
    "shop media",
]
BUCKETS = ["shop-media", "media.shop.example.com", "My_Bucket", "ab", "x" * 63]


@pytest.mark.parametrize("variable", ["AWS_MEDIA_BUCKET_NAME", "AWS_STATIC_BUCKET_NAME"])
@pytest.mark.parametrize("value", PASTED_BUCKETS)
def test_a_bucket_name_botocore_refuses_stops_start_up_naming_it(monkeypatch, variable, value):
    """botocore would refuse it on every call: a 500 on every page showing an image."""
    assert botocore_refuses_bucket(value)
    monkeypatch.setenv(variable, f" {value} ")
    with pytest.raises(ImproperlyConfigured, match=f"{variable} must be a bucket's name alone"):
        env.bucket_name(variable)


@pytest.mark.parametrize("value", BUCKETS)
def test_a_bucket_name_botocore_takes_is_read_without_spaces(monkeypatch, value):
    assert not botocore_refuses_bucket(value)
    monkeypatch.setenv("AWS_MEDIA_BUCKET_NAME", f" {value}\n")
    assert env.bucket_name("AWS_MEDIA_BUCKET_NAME") == value


@pytest.mark.parametrize(
    "value", ['"eu-west-1"', "https://s3.eu-west-1.amazonaws.com", "Europe (Ireland)", "eu_west_1"]
)
def test_a_region_botocore_refuses_stops_start_up_naming_it(monkeypatch, value):
    with pytest.raises(InvalidRegionError):
        validate_region_name(value)
    monkeypatch.setenv("AWS_S3_REGION_NAME", value)
    with pytest.raises(ImproperlyConfigured, match="AWS_S3_REGION_NAME must be a region's name"):
        env.region_name("AWS_S3_REGION_NAME")


def botocore_refuses_region(name: str) -> bool:
    try:
        validate_region_name(name)
    except InvalidRegionError:
        return True
    return False


REGION_EDGES = [
    "eu-west-1",
    "a",
    "1a",
    "a1",
    "123",
    "-a",
    "a-",
    "a--b",
    "A-B",
    "a_b",
    "a.b",
    "a b",
    "a\nb",
    "x" * 63,
    "x" * 64,
    "é",
    "\u0131",
    "1" * 63,
    "a\n",
    "\na",
    "eu-west-1\n",
]


@pytest.mark.parametrize("value", REGION_EDGES)
def test_the_region_rule_is_botocores(monkeypatch, value):
    """Kept in the settings' module rather than imported from botocore, whose import
    was a seventh of every process's start (the release phase's, each command's)."""
    monkeypatch.setenv("AWS_S3_REGION_NAME", value)
    try:
        env.region_name("AWS_S3_REGION_NAME")
    except ImproperlyConfigured:
        refused = True
    else:
        refused = False
    assert refused == botocore_refuses_region(value.strip())


def test_a_region_is_checked_by_its_shape_alone(monkeypatch):
    """As the README says: a name AWS has no region of passes, botocore takes it too
    (it asks no list), and only the buckets' own region serves them."""
    monkeypatch.setenv("AWS_S3_REGION_NAME", "eu-west-9")
    assert env.region_name("AWS_S3_REGION_NAME", on_aws=True) == "eu-west-9"
    assert not botocore_refuses_region("eu-west-9")


def test_every_region_botocore_knows_passes_the_rule():
    session = botocore_session()
    regions = {
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("s3", partition)
    }
    assert len(regions) > 30
    assert [region for region in regions if not env.REGION_NAME.fullmatch(region)] == []


@pytest.mark.parametrize(
    ("value", "read"),
    [(" eu-west-1 ", "eu-west-1"), ("auto", "auto"), ("us-west-004", "us-west-004"), (" ", None)],
)
def test_a_region_is_read_without_spaces(monkeypatch, value, read):
    monkeypatch.setenv("AWS_S3_REGION_NAME", value)
    assert env.region_name("AWS_S3_REGION_NAME") == read


@pytest.mark.parametrize("value", ["EU-WEST-1", "eu-west-l", "eu-west", "auto", "eu-west-1a"])
def test_on_aws_a_region_is_an_aws_regions_name(monkeypatch, value):
    """botocore takes any host label, and S3 refuses every URL signed for a region
    it does not have (an uppercase one too): every image of the site would fail
    while start-up went through. Another S3-compatible service (an endpoint URL
    set) names its regions its own way."""
    monkeypatch.setenv("AWS_S3_REGION_NAME", value)
    with pytest.raises(ImproperlyConfigured, match="AWS_S3_REGION_NAME must be an AWS region"):
        env.region_name("AWS_S3_REGION_NAME", on_aws=True)
    assert env.region_name("AWS_S3_REGION_NAME", on_aws=False) == value


@functools.cache
def botocore_session() -> botocore.session.Session:
    """One session for the module's checks: each new one reads botocore's data again."""
    return botocore.session.get_session()


def s3_regions(partition: str) -> list[str]:
    """The S3 regions botocore knows in one AWS partition (its bundled data)."""
    regions = botocore_session().get_available_regions("s3", partition)
    return [region for region in regions if not region.endswith("-global")]


def test_on_aws_every_region_with_amazonaws_com_hosts_is_read(monkeypatch):
    regions = s3_regions("aws") + s3_regions("aws-us-gov")
    assert {"eu-west-1", "us-east-1", "eu-north-1", "us-gov-west-1"} <= set(regions)
    for region in regions:
        monkeypatch.setenv("AWS_S3_REGION_NAME", f" {region} ")
        assert env.region_name("AWS_S3_REGION_NAME", on_aws=True) == region


def test_a_region_whose_hosts_are_elsewhere_needs_its_endpoint(monkeypatch):
    """China's, the European Sovereign Cloud's and the isolated partitions' S3 hosts
    are not under amazonaws.com, which image URLs and the CSP name without an
    endpoint URL: every image would fail."""
    regions = [
        region
        for partition in botocore_session().get_available_partitions()
        if partition not in ("aws", "aws-us-gov")
        for region in s3_regions(partition)
    ]
    assert {"cn-north-1", "cn-northwest-1"} <= set(regions)
    for region in regions:
        monkeypatch.setenv("AWS_S3_REGION_NAME", region)
        with pytest.raises(ImproperlyConfigured, match="set AWS_S3_ENDPOINT_URL"):
            env.region_name("AWS_S3_REGION_NAME", on_aws=True)
        assert env.region_name("AWS_S3_REGION_NAME", on_aws=False) == region


SIGNED_URL = (
    "import django; django.setup(); from django.core.files.storage import storages; "
    "print(storages['default'].url('avatars/a.png').split('?')[0])"
)


@pytest.mark.parametrize(
    ("bucket", "region", "url"),
    [
        (
            "shop-media",
            "eu-north-1",
            "https://shop-media.s3.eu-north-1.amazonaws.com/avatars/a.png",
        ),
        ("shop-media", "us-east-1", "https://shop-media.s3.amazonaws.com/avatars/a.png"),
        ("shop-media", None, "https://shop-media.s3.amazonaws.com/avatars/a.png"),
        ("shop.media", "eu-west-1", "https://s3.eu-west-1.amazonaws.com/shop.media/avatars/a.png"),
    ],
)
def test_on_aws_image_urls_are_on_the_buckets_own_regional_host(bucket, region, url):
    """botocore signs URLs for the global host (bucket.s3.amazonaws.com) unless told
    to address the bucket by name: S3 refuses those for buckets in the regions
    opened since 2019 (eu-north-1, il-central-1...) and redirects them, breaking the
    signature, for a day after a bucket is made elsewhere (boto/boto3#4768). A name
    with a dot cannot be a host under S3's certificate: it goes in the path."""
    env = production_env(
        DATABASE_URL=UNREACHABLE_DB,
        AWS_S3_ENDPOINT_URL=None,
        AWS_MEDIA_BUCKET_NAME=bucket,
        AWS_S3_REGION_NAME=region,
    )
    shown = run_python(SIGNED_URL, env)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == url


def test_production_with_a_bucket_url_for_a_name_stops_naming_it():
    pasted = production_env(
        DATABASE_URL=UNREACHABLE_DB,
        AWS_MEDIA_BUCKET_NAME="s3://shop-media",
        AWS_S3_REGION_NAME="x y",
    )
    result = run_python(SHOW_STORAGES, pasted)
    assert result.returncode != 0
    assert "AWS_MEDIA_BUCKET_NAME must be a bucket's name alone" in result.stderr
    result = run_python(SHOW_STORAGES, {**pasted, "AWS_MEDIA_BUCKET_NAME": "shop-media"})
    assert result.returncode != 0
    assert "AWS_S3_REGION_NAME must be a region's name alone" in result.stderr


def test_production_with_a_key_pasted_with_a_newline_stops_naming_it():
    value = production_env()["AWS_SECRET_ACCESS_KEY"]
    pasted = production_env(DATABASE_URL=UNREACHABLE_DB, AWS_SECRET_ACCESS_KEY=value + "\n")
    result = run_python(SHOW_STORAGES, pasted)
    assert result.returncode != 0
    assert "AWS_SECRET_ACCESS_KEY has spaces, a line break, quotes" in result.stderr


@pytest.mark.parametrize(
    "endpoint",
    [
        "s3.us-west-004.backblazeb2.com",
        "s3.wasabisys.com:443",
        "ftp://s3.example.com",
        "https://",
        "https://s3.example.com:abc",
        "https://s3.example.com:99999",
        "https://s3.example.com:",
        "https://[::1",
        "https://s3.us-west-004.backblazeb2.com/shop-media",  # the bucket in the path
        "https://s3.example.com?x=1",
        "https://s3.example.com#x",
        "https://key:secret@s3.example.com",
    ],
)
def test_an_endpoint_that_is_not_a_servers_url_is_refused_naming_it(monkeypatch, endpoint):
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", endpoint)
    with pytest.raises(
        ImproperlyConfigured, match="AWS_S3_ENDPOINT_URL must be a server's URL"
    ) as refused:
        env.http_url("AWS_S3_ENDPOINT_URL")
    assert "secret" not in str(refused.value)  # credentials pasted into it are not logged


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://s3_x.example.com",
        "https://bücher.de",
        "https://-s3.example.com",
        "https://s3-.example.com",
        "https://s3..example.com",
        "https://" + "s" * 64 + ".example.com",
        "https://s3.example.com..",
        "https://s3%2Eexample.com",
        "https://s3 .example.com",
        "https://[fe80::1%25eth0]",
        "https://[::1]x",
        "https://1.2.3.4.5",
        "https://s3.example.com.",
        "http://localhost:9000",
        "https://[2001:db8::1]:443",
    ],
)
def test_an_endpoint_the_settings_take_is_one_botocore_takes(monkeypatch, endpoint):
    """An underscore or a letter outside ASCII in the host passed start-up, then every
    page with a picture was a 500: botocore refuses such an endpoint when it makes a
    client, on the first media URL. The settings refuse what botocore refuses, and
    take the rest."""
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", endpoint)
    if botocore_takes(endpoint):
        assert env.http_url("AWS_S3_ENDPOINT_URL") == endpoint
    else:
        with pytest.raises(ImproperlyConfigured, match="AWS_S3_ENDPOINT_URL must be a server's"):
            env.http_url("AWS_S3_ENDPOINT_URL")


@pytest.mark.parametrize(
    "endpoint",
    ["https://\u017f3.example.com", "https://s\u0663.example.com", "https://\u0131s3.example.com"],
)
def test_an_endpoint_outside_ascii_that_botocore_takes_is_refused_too(monkeypatch, endpoint):
    """botocore takes these (a long s, an Arabic-Indic three, a dotless i), then every S3
    call fails: no IDNA label. And the CSP header naming the host went out encoded."""
    assert botocore_takes(endpoint)
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", endpoint)
    with pytest.raises(ImproperlyConfigured, match="AWS_S3_ENDPOINT_URL must be a server's"):
        env.http_url("AWS_S3_ENDPOINT_URL")


@pytest.mark.parametrize(
    ("endpoint", "written"),
    [
        ("https://s3.bücher.de", "https://s3.xn--bcher-kva.de"),
        ("http://S3.Bücher.de:9000", "http://s3.xn--bcher-kva.de:9000"),
    ],
)
def test_an_endpoint_in_another_script_is_refused_with_its_ascii_form(
    monkeypatch, endpoint, written
):
    """It was refused as no server's URL, with no way forward."""
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", endpoint)
    with pytest.raises(ImproperlyConfigured, match="must be a server's URL") as refused:
        env.http_url("AWS_S3_ENDPOINT_URL")
    assert str(refused.value).endswith(f"in its ASCII form, as DNS holds it: {written}")
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", written)
    assert env.http_url("AWS_S3_ENDPOINT_URL") == written


def test_an_endpoint_of_no_ascii_form_of_its_own_gets_no_such_hint(monkeypatch):
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", "https://\u017f3.example.com")  # a long s
    with pytest.raises(ImproperlyConfigured, match="must be a server's URL") as refused:
        env.http_url("AWS_S3_ENDPOINT_URL")
    assert "ASCII form" not in str(refused.value)


def botocore_takes(endpoint: str) -> bool:
    try:
        botocore_session().create_client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="a",
            aws_secret_access_key="b",
        )
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    "endpoint", ["https://s3.example.com", "http://127.0.0.1:9000/", "https://[::1]:9000"]
)
def test_a_servers_url_is_taken_as_it_is(monkeypatch, endpoint):
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", f" {endpoint} ")
    assert env.http_url("AWS_S3_ENDPOINT_URL") == endpoint


def test_production_with_an_endpoint_without_its_scheme_stops_naming_it():
    unusable = production_env(
        DATABASE_URL=UNREACHABLE_DB, AWS_S3_ENDPOINT_URL="s3.us-west-004.backblazeb2.com"
    )
    result = run_python(SHOW_STORAGES, unusable)
    assert result.returncode != 0
    assert "The environment variable AWS_S3_ENDPOINT_URL must be a server's URL" in result.stderr


def test_an_endpoint_with_its_scheme_and_spaces_around_it_is_used(fresh_s3):
    endpoint = f" {fresh_s3.endpoint_url}/ \n"
    found = storages_in_production(**{**fresh_s3.environ(), "AWS_S3_ENDPOINT_URL": endpoint})
    assert found["storages"]["default"]["OPTIONS"]["endpoint_url"] == endpoint.strip()


def test_production_media_are_private_presigned_never_overwritten_and_acl_free():
    shown = storages_in_production(
        AWS_MEDIA_BUCKET_NAME="shop-media", AWS_S3_REGION_NAME="eu-west-1"
    )
    default = shown["storages"]["default"]
    assert default["BACKEND"] == "config.media.signed.MediaStorage"
    options = default["OPTIONS"]
    assert options["bucket_name"] == "shop-media"
    assert options["region_name"] == "eu-west-1"
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False
    assert options["default_acl"] is None
    # Static files stay on WhiteNoise unless a static bucket is named.
    assert shown["storages"]["staticfiles"]["BACKEND"].startswith("whitenoise.")
    assert "config.static_versioning.middleware.StaticFilesMiddleware" in shown["middleware"]


def test_collectstatic_to_the_static_bucket_keeps_it_unversioned(fresh_s3):
    shown = storages_in_production(AWS_STATIC_BUCKET_NAME=locals3.STATIC_BUCKET)
    static = shown["storages"]["staticfiles"]
    assert static["BACKEND"] == "config.media.boto_sessions.StaticStorage"
    assert static["OPTIONS"]["object_parameters"] == {"CacheControl": s3.IMMUTABLE_CACHE_CONTROL}
    assert "config.static_versioning.middleware.StaticFilesMiddleware" not in shown["middleware"]

    # The build, with the app's own keys and only what its policy grants.
    keys = policy_keys(fresh_s3, "app-policy.json")
    fresh_s3.require_auth()
    env = production_env(
        DATABASE_URL=UNREACHABLE_DB,
        AWS_STATIC_BUCKET_NAME=locals3.STATIC_BUCKET,
        AWS_ACCESS_KEY_ID=keys["access_key"],
        AWS_SECRET_ACCESS_KEY=keys["secret_key"],
    )
    # The app's own files only: Django admin's 780 would add minutes of uploads
    # through the local server's policy checks and prove nothing more (the policy
    # grants the bucket, not paths in it).
    for _ in range(2):  # a second deploy must not pile up versions
        build = manage("collectstatic", "--noinput", "--ignore", "admin", env=env)
        assert build.returncode == 0, build.stderr
    url = run_python(
        "import django; django.setup(); from django.templatetags.static import static; "
        "print(static('css/site.css'))",
        env,
    ).stdout.strip()
    fresh_s3.require_auth(False)

    client = fresh_s3.client()
    assert "Status" not in client.get_bucket_versioning(Bucket=locals3.STATIC_BUCKET)
    hashed = url.rsplit("/", 1)[1]
    assert url == f"{fresh_s3.endpoint_url}/{locals3.STATIC_BUCKET}/css/{hashed}"
    assert re.fullmatch(r"site\.[0-9a-f]{12}\.css", hashed)
    versions = client.list_object_versions(Bucket=locals3.STATIC_BUCKET, Prefix=f"css/{hashed}")
    assert [v["VersionId"] for v in versions["Versions"]] == ["null"]
    response = http_get(url)
    assert response.status == 200
    headers = {name.lower(): value for name, value in response.headers.items()}
    assert headers["cache-control"] == s3.IMMUTABLE_CACHE_CONTROL
    assert b"--accent" in response.body
    # The unhashed copies and the manifest change under the same name at every
    # deploy: a minute, as WhiteNoise serves them, never a year.
    for key in ("css/site.css", "staticfiles.json"):
        head = client.head_object(Bucket=locals3.STATIC_BUCKET, Key=key)
        assert head["CacheControl"] == s3.UNHASHED_CACHE_CONTROL, key


@pytest.mark.parametrize("missing", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
def test_a_build_for_a_static_bucket_without_its_keys_stops_naming_the_key(missing):
    """The build's collectstatic uploads to a static bucket, so it needs the keys a
    first push may not have: with a stand-in for them, botocore stopped the build
    with a traceback of some 100 lines ("Unable to locate credentials")."""
    keys = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"}
    env = builds.first_push_env(
        AWS_STATIC_BUCKET_NAME="shop-static",
        AWS_S3_REGION_NAME="eu-west-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        **{**keys, missing: None},
    )
    build = manage("collectstatic", "--noinput", "--traceback", env=env)  # as Heroku runs it
    assert build.returncode != 0
    assert "Traceback" not in build.stderr
    said = build.stderr.strip().splitlines()
    assert len(said) == 1, build.stderr
    assert missing in said[0]
    assert "shop-static" in said[0]
    assert "build again" in said[0]


def test_check_deploy_warns_when_the_media_bucket_is_not_versioned(fresh_s3):
    fresh_s3.client().create_bucket(Bucket="plain-media")
    env = production_env(DATABASE_URL=UNREACHABLE_DB, AWS_MEDIA_BUCKET_NAME="plain-media")
    result = manage("check", "--deploy", env=env)
    assert "(media.W003) The media bucket 'plain-media' is not versioned" in result.stderr
    assert "versioning: Never enabled" in result.stderr
    assert "media_versioning enable" in result.stderr

    fresh_s3.client().put_bucket_versioning(
        Bucket="plain-media", VersioningConfiguration={"Status": "Suspended"}
    )
    result = manage("check", "--deploy", env=env)
    assert "versioning: Suspended" in result.stderr


def test_s3_names_a_buckets_region_and_on_an_endpoint_no_check_holds_it_against_it(
    settings, fresh_s3, monkeypatch
):
    """HeadBucket's answer names the bucket's region. With an endpoint URL the image
    URLs name the endpoint whatever the region, and a server that took the app's
    requests serves them (this one does): neither check --deploy nor the release
    has anything to say. On Amazon's S3, `versions.elsewhere()` decides (below)."""
    from tests.conftest import storages_on

    far = bucket_elsewhere(fresh_s3, "far-media")
    far.put_bucket_versioning(Bucket="far-media", VersioningConfiguration={"Status": "Enabled"})
    settings.STORAGES = storages_on(fresh_s3, bucket="far-media")
    storage = versions.media_storage()
    assert versions.bucket_region(storage) == "eu-west-1"
    name = storage.save("probe.txt", ContentFile(b"hello"))
    assert http_get(storage.url(name)).body == b"hello"
    assert checks.media_bucket_is_versioned(None) == []
    monkeypatch.setenv("DYNO", "release.2")
    assert checks.media_storage_builds_its_client(None) == []


@pytest.mark.parametrize(
    ("configured", "found", "refused"),
    [
        ("eu-west-1", "eu-west-1", False),
        ("us-east-1", "eu-west-1", True),  # S3's global host: the regions of 2019 on refuse it
        (None, "eu-west-1", True),  # botocore's us-east-1
        ("us-west-2", "eu-west-1", True),
        ("us-west-2", None, False),  # S3 named no region
    ],
)
def test_on_aws_a_buckets_region_is_held_against_the_one_its_urls_are_made_for(
    configured, found, refused
):
    """On Amazon's S3 (no endpoint URL) botocore follows S3's redirect, so the app's
    own requests succeed in any region, while the URLs it makes are refused: a
    presigned one for another region (its signature names it), an unsigned one (the
    static bucket's) on another region's host. Nothing is sent here."""
    storage = storages.create_storage(s3.media_storage("shop-media", region_name=configured))
    said = versions.elsewhere(storage, found)
    assert said == ((found, configured or "us-east-1") if refused else None)
    if refused:
        [error] = checks.in_another_region(storage, said)
        assert error.id == "media.E003"
        assert f"'shop-media' is in eu-west-1, not {configured or 'us-east-1'}" in error.msg
        assert "AWS_S3_REGION_NAME=eu-west-1" in error.hint


def test_check_deploy_warns_when_the_bucket_cannot_be_checked(fresh_s3):
    env = production_env(DATABASE_URL=UNREACHABLE_DB, AWS_S3_ENDPOINT_URL="http://127.0.0.1:9")
    result = manage("check", "--deploy", env=env)
    assert "(media.W002) Could not check that the media bucket is versioned" in result.stderr
    assert "Could not connect to the endpoint URL" in result.stderr


def test_deploy_check_warns_about_media_on_local_disk(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    [warning] = checks.media_bucket_is_versioned(None)
    assert warning.id == "media.W001"
    assert "FileSystemStorage, not S3" in warning.msg


def test_deploy_check_is_quiet_on_a_versioned_bucket(fresh_s3):
    assert checks.media_bucket_is_versioned(None) == []


def test_every_s3_variable_is_documented_where_the_others_are():
    base = locals3.BASE_DIR
    env_example = (base / ".env.example").read_text()
    app_json = json.loads((base / "app.json").read_text())["env"]
    readme = (base / "README.md").read_text()
    for name in S3_VARIABLES:
        assert f"# {name}=" in env_example, name
        assert name in app_json, name
        assert f"`{name}`" in readme, name
    optional = {name for name, entry in app_json.items() if entry.get("required") is False}
    assert len(S3_VARIABLES) == 6
    assert optional >= {"AWS_STATIC_BUCKET_NAME", "AWS_S3_ENDPOINT_URL"}
    assert "AWS_MEDIA_BUCKET_NAME" not in optional


# Loads the URLconf, the admin and every app as `manage.py check` does, then uses
# each storage on S3 as a page would.
USE_THE_STORAGES = """
import sys, django
django.setup()
from django.core.management import call_command
call_command("check")
def loaded():
    names = ("boto3", "botocore.config", "botocore.session", "botocore.utils", "s3transfer",
             "storages.backends.s3")
    return sorted(name for name in names if name in sys.modules)
print(loaded())
from django.core.files.storage import storages
storages["default"].url("avatars/a.png")
print(loaded())
for alias, backend in storages.backends.items():
    if backend["BACKEND"].startswith("config.media."):
        config = storages[alias].client_config
        print(alias, config.signature_version, config.connect_timeout, config.read_timeout,
              config.retries)
"""
LIMITS = "s3v4 3 5 {'mode': 'standard', 'total_max_attempts': 2}"


@pytest.mark.parametrize(
    "where",
    [
        # AWS itself (no endpoint): the settings work out the buckets' hosts for the CSP.
        {"AWS_S3_ENDPOINT_URL": None, "AWS_S3_REGION_NAME": "eu-west-1"},
        {},  # the local S3 server, through its endpoint
    ],
    ids=["on AWS", "on another S3 server"],
)
def test_a_process_loads_the_s3_libraries_when_it_first_uses_a_bucket(where):
    """About a fifth of a second of each `manage.py` command's start (the release
    phase's migrate among them); web processes load them before the workers fork
    (config/wsgi.py). The storages still get the client's limits. On AWS the
    settings loaded botocore to name the buckets' hosts in the CSP: every command."""
    used = run_python(USE_THE_STORAGES, production_env(DATABASE_URL=UNREACHABLE_DB, **where))
    assert used.returncode == 0, used.stderr
    assert used.stdout.splitlines()[-3:] == [
        "[]",
        "['boto3', 'botocore.config', 'botocore.session', 'botocore.utils', 's3transfer', "
        "'storages.backends.s3']",
        f"default {LIMITS}",
    ]


def test_the_static_buckets_storage_gets_the_client_limits_too(fresh_s3):
    env = production_env(DATABASE_URL=UNREACHABLE_DB, AWS_STATIC_BUCKET_NAME=locals3.STATIC_BUCKET)
    used = run_python(USE_THE_STORAGES, env)
    assert used.returncode == 0, used.stderr
    assert used.stdout.splitlines()[-2:] == [f"default {LIMITS}", f"staticfiles {LIMITS}"]


# Values botocore refuses when a client is built (a typo, a pasted newline), and
# one it takes for each.
REFUSED_BY_BOTOCORE = {
    "AWS_REQUEST_CHECKSUM_CALCULATION": ("when_required\n", "WHEN_REQUIRED"),
    "AWS_RESPONSE_CHECKSUM_VALIDATION": ("when-required", "when_required"),
    "AWS_S3_US_EAST_1_REGIONAL_ENDPOINT": ("regional ", "regional"),
    "AWS_DEFAULTS_MODE": ("bogus", "standard"),
    "AWS_STS_REGIONAL_ENDPOINTS": ("bogus", "legacy"),
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": ("bogus", "disabled"),
    "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES": ("abc", "10240"),
}


@pytest.mark.parametrize(("name", "values"), REFUSED_BY_BOTOCORE.items())
def test_the_release_stops_on_an_aws_variable_botocore_refuses(
    monkeypatch, settings, fresh_s3, name, values
):
    """botocore reads these when a client is built, which each web process does at
    boot (config/wsgi.py): the release phase builds it first."""
    from tests.conftest import storages_on

    refused, taken = values
    monkeypatch.setenv("DYNO", "release.1")
    monkeypatch.setenv(name, refused)
    settings.STORAGES = storages_on(fresh_s3)
    [error] = checks.media_storage_builds_its_client(None)
    assert error.id == "media.E001"
    assert "no web process would start" in error.msg
    assert name in error.hint
    monkeypatch.setenv(name, taken)
    settings.STORAGES = storages_on(fresh_s3)
    assert checks.media_storage_builds_its_client(None) == []


def test_outside_the_release_phase_the_client_check_does_nothing(monkeypatch, settings, fresh_s3):
    from tests.conftest import storages_on

    monkeypatch.delenv("DYNO", raising=False)
    monkeypatch.setenv("AWS_DEFAULTS_MODE", "bogus")
    settings.STORAGES = storages_on(fresh_s3)
    assert checks.media_storage_builds_its_client(None) == []


@pytest.mark.parametrize(
    ("mistake", "said"),
    [
        ("keys S3 does not know", "403"),
        ("a bucket that does not exist", "404"),
        ("keys whose policy names another bucket", "403"),
    ],
)
def test_a_release_whose_requests_the_media_bucket_refuses_stops(
    monkeypatch, settings, fresh_s3, mistake, said
):
    """A typo in `heroku config:set AWS_SECRET_ACCESS_KEY=...` or AWS_MEDIA_BUCKET_NAME:
    with WhiteNoise serving static files (the default), nothing in the release asked S3,
    and it went live with every upload failing and every image refused, where the
    release before showed them."""
    from tests.conftest import storages_on

    monkeypatch.setenv("DYNO", "release.2")
    if mistake == "keys S3 does not know":
        settings.STORAGES = storages_on(fresh_s3, access_key="AKIAWRONG", secret_key="wrong")
    elif mistake == "a bucket that does not exist":
        settings.STORAGES = storages_on(fresh_s3, bucket="shop-media-typo")
    else:  # the app's policy, its media statements naming another bucket
        keys = policy_keys(fresh_s3, "app-policy.json")
        settings.STORAGES = storages_on(fresh_s3, **keys)
    fresh_s3.require_auth(mistake != "a bucket that does not exist")
    try:
        [error] = checks.media_storage_builds_its_client(None)
    finally:
        fresh_s3.require_auth(False)
    assert error.id == "media.E002"
    assert "every upload would fail and every image be refused" in error.msg
    assert said in error.msg
    assert "AWS_MEDIA_BUCKET_NAME" in error.hint


def test_a_release_that_cannot_ask_the_media_bucket_goes_on_with_a_warning(
    monkeypatch, settings, fresh_s3, refusing_port
):
    """An S3 outage must not stop a rollback or a config change."""
    from tests.conftest import storages_on

    monkeypatch.setenv("DYNO", "release.2")
    settings.STORAGES = storages_on(fresh_s3, endpoint_url=f"http://127.0.0.1:{refusing_port}")
    [warning] = checks.media_storage_builds_its_client(None)
    assert warning.id == "media.W005"
    assert "Could not ask the media bucket" in warning.msg
    settings.STORAGES = storages_on(fresh_s3)
    assert checks.media_storage_builds_its_client(None) == []


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_an_endpoint_answering_with_a_redirect_naming_no_region_stops_the_release(
    monkeypatch, settings, fresh_s3, status
):
    """botocore's region redirector asked such a server for the bucket's region with
    another request, redirected the same way, until a RecursionError: a traceback in
    the release, check --deploy and every upload. With an endpoint URL nothing is
    redirected: the answer is the request's, and an S3-compatible server's redirect
    is for good (Caddy's http to https is a 308, nginx's often a 302)."""
    from tests.conftest import storages_on

    # To https, naming no region, as an S3-compatible endpoint given with http:// may.
    server = answering(status, {"Location": "https://127.0.0.1:9/"})
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        settings.STORAGES = storages_on(fresh_s3, endpoint_url=endpoint)
        monkeypatch.setenv("DYNO", "release.2")
        [found] = checks.media_storage_builds_its_client(None)
        assert found.id == "media.E002"
        assert "AWS_S3_ENDPOINT_URL (its scheme, host and certificate)" in found.hint
        [warning] = checks.media_bucket_is_versioned(None)
        assert warning.id == "media.W002"
        with pytest.raises(versions.storage_errors()):
            versions.media_storage().save("probe.txt", ContentFile(b"hello"))
    finally:
        server.shutdown()


@pytest.mark.parametrize("mistake", ["another host's certificate", "https to a plain server"])
def test_an_endpoint_whose_tls_cannot_work_as_configured_stops_the_release(
    monkeypatch, settings, fresh_s3, tmp_path, mistake
):
    """A certificate naming another host, or https spoken to a server of plain http:
    no retry changes either, and every upload would fail. They were warnings, "once
    S3 answers", and the release went live."""
    from tests.conftest import storages_on
    from tests.e2e.tls import make_certificate

    certificate = make_certificate(tmp_path, "127.0.0.2")  # not the address asked
    server = answering(200, {}, tls=certificate if mistake != "https to a plain server" else None)
    try:
        endpoint = f"https://127.0.0.1:{server.server_address[1]}"
        verify = str(certificate.certfile)
        settings.STORAGES = storages_on(fresh_s3, endpoint_url=endpoint, verify=verify)
        monkeypatch.setenv("DYNO", "release.2")
        [found] = checks.media_storage_builds_its_client(None)
    finally:
        server.shutdown()
    assert found.id == "media.E002"
    assert "cannot be reached as configured" in found.msg


def test_a_release_whose_media_bucket_takes_its_requests_says_nothing_of_it(fresh_s3):
    """The release phase as Heroku runs it (DYNO=release.N) with the app's bucket and
    keys: its HeadBucket is answered, and nothing is said of the media bucket."""
    env = production_env(DATABASE_URL=released_database("media_takes"), DYNO="release.1")
    done = manage("migrate", "--no-input", env=env)
    assert done.returncode == 0, done.stderr
    assert "media." not in done.stderr + done.stdout


def test_a_release_with_a_secret_key_s3_refuses_stops_without_showing_it(fresh_s3):
    env = production_env(
        DATABASE_URL=released_database("media_refuses"),
        DYNO="release.1",
        AWS_SECRET_ACCESS_KEY="wrong-secret-of-the-app-0123456789",
    )
    fresh_s3.require_auth()
    try:
        done = manage("migrate", "--no-input", env=env)
    finally:
        fresh_s3.require_auth(False)
    assert done.returncode != 0
    assert "media.E002" in done.stderr
    assert "Traceback" not in done.stderr
    assert env["AWS_SECRET_ACCESS_KEY"] not in done.stderr + done.stdout


def test_a_release_with_such_a_variable_stops_in_one_line_before_any_web_process():
    env = production_env(
        DATABASE_URL=released_database("botocore_refuses"),
        DYNO="release.1",
        AWS_REQUEST_CHECKSUM_CALCULATION="when_required\n",
    )
    done = manage("migrate", "--no-input", env=env)
    assert done.returncode != 0
    assert "media.E001" in done.stderr
    assert "AWS_REQUEST_CHECKSUM_CALCULATION" in done.stderr
    assert "Traceback" not in done.stderr
    assert env["AWS_SECRET_ACCESS_KEY"] not in done.stderr + done.stdout
