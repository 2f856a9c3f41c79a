"""Security headers, the Content-Security-Policy, and the error pages."""

import json
import random
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from storages.backends.s3 import S3Storage

from config.media import storage
from config.media.boto_sessions import SharedServiceData
from config.security import bucket_origins, can_be_a_host
from tests.processes import S3_VARIABLES, production_env, run_python

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; font-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.django_db
def test_every_page_carries_the_security_headers(client):
    response = client.get("/")
    assert directives(response["Content-Security-Policy"]) == directives(POLICY)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def show_policy(**env: str):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES'])"
    )
    # Only the S3 variables the test names: not the local S3 server the tests run.
    s3 = dict.fromkeys(S3_VARIABLES) | {
        "AWS_MEDIA_BUCKET_NAME": "media-bucket",
        "AWS_ACCESS_KEY_ID": "key-id",
        "AWS_SECRET_ACCESS_KEY": "secret-key",
    }
    result = run_python(
        code, production_env(DATABASE_URL="postgres://u:p@db.invalid/app", **(s3 | env))
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_policy_allows_the_media_bucket_for_images_only():
    shown = show_policy(AWS_MEDIA_BUCKET_NAME="media-bucket", AWS_S3_REGION_NAME="eu-west-1")
    assert (
        "'img-src': [\"'self'\", 'data:', 'https://media-bucket.s3.amazonaws.com', "
        "'https://media-bucket.s3.eu-west-1.amazonaws.com']" in shown
    )
    assert "'script-src': [\"'self'\"]" in shown


def test_policy_allows_a_static_bucket_for_scripts_styles_and_images():
    shown = show_policy(AWS_STATIC_BUCKET_NAME="static-bucket")
    assert "'style-src': [\"'self'\", 'https://static-bucket.s3.amazonaws.com']" in shown
    assert "'script-src': [\"'self'\", 'https://static-bucket.s3.amazonaws.com']" in shown


def test_a_bucket_is_a_host_exactly_where_botocore_makes_it_one():
    """config.security writes out botocore's rule so the settings need not load it."""
    from botocore.utils import check_dns_name

    names = [
        "ab",
        "abc",
        "a" * 63,
        "a" * 64,
        "my-bucket",
        "-ab",
        "ab-",
        "a-b",
        "A-b",
        "a.b",
        "a_b",
        "ab\n",
        "ab\u0131",
        "0ab",
        "\uff41bc",
        "ab ",
        "",
        "a--b",
        "ab\x00",
    ]
    alphabet = "abz09-._A\n"
    names += ["".join(random.Random(n).choices(alphabet, k=n % 70)) for n in range(3_000)]  # noqa: S311
    for name in names:
        assert can_be_a_host(name) == check_dns_name(name), repr(name)


def test_bucket_origins():
    assert bucket_origins(None, None, None) == []
    assert bucket_origins("m", "http://127.0.0.1:9000/", "us-east-1") == ["http://127.0.0.1:9000"]
    assert bucket_origins("shop", None, None) == ["https://shop.s3.amazonaws.com"]


def allowed_by(url: str, sources: list[str]) -> bool:
    """Whether a CSP source list lets a page load `url`: a source with a path ending
    in "/" allows what is under it, one without a path its origin's every file."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    return any(
        url.startswith(source) if urlsplit(source).path else origin == source for source in sources
    )


class AWSStorage(SharedServiceData, S3Storage):
    """django-storages' S3Storage, its sessions reading botocore's data once (the
    site's storages do the same): each case would otherwise parse it again."""


@pytest.mark.parametrize("region", [None, "us-east-1", "eu-west-1"])
@pytest.mark.parametrize(
    "bucket", ["shop-media", "media.shop.example.com", "a.b", "My_Bucket", "ab", "x" * 64]
)
@pytest.mark.parametrize("signed", [True, False], ids=["media", "static"])
def test_the_policy_allows_the_urls_the_storages_make_on_aws(signed, bucket, region):
    """URLs as django-storages makes them for AWS, signed (media) or plain (the static
    bucket's; its manifest storage would read its manifest from AWS first), made
    here without sending anything."""
    config = storage.media_storage(bucket, region_name=region, endpoint_url=None)
    options = {**config["OPTIONS"], "querystring_auth": signed}
    url = AWSStorage(**options).url("products/a.jpg")
    sources = bucket_origins(bucket, None, region)
    assert allowed_by(url, sources), (url, sources)
    other = url.replace(bucket, "someone-elses", 1)
    assert not allowed_by(other, sources), (other, sources)


# The media URL, a static bucket's URL (made without its manifest, which would be
# read from S3) and the policy, as a production process makes them.
URLS_AND_POLICY = (
    "import django, json; django.setup(); from django.conf import settings; "
    "from django.core.files.storage import storages; "
    "from storages.backends.s3 import S3Storage; from config.media.storage import ClientLimits; "
    "static = type('Plain', (ClientLimits, S3Storage), {})"
    "(**settings.STORAGES['staticfiles']['OPTIONS']); "
    "print(json.dumps({'media': storages['default'].url('a.png'), 'static': static.url('a.css'), "
    "'policy': settings.CONTENT_SECURITY_POLICY['DIRECTIVES']}))"
)
BACKBLAZE = "https://s3.us-west-004.backblazeb2.com"


@pytest.mark.parametrize("own_region", [None, "eu-west-1"])
@pytest.mark.parametrize(
    ("boto3_reads", "refused"),
    [
        ({"AWS_DEFAULT_REGION": "eu-north-1"}, None),
        ({"AWS_DEFAULT_REGION": "EU-NORTH-1"}, "AWS_DEFAULT_REGION"),
        ({"AWS_ENDPOINT_URL_S3": BACKBLAZE}, None),
        ({"AWS_ENDPOINT_URL": BACKBLAZE}, None),
        ({"AWS_ENDPOINT_URL": "s3.us-west-004.backblazeb2.com"}, "AWS_ENDPOINT_URL"),
        ({"AWS_ENDPOINT_URL_S3": BACKBLAZE, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "True"}, None),
        ({"AWS_S3_US_EAST_1_REGIONAL_ENDPOINT": "regional"}, None),
        ({"AWS_USE_DUALSTACK_ENDPOINT": "true"}, "AWS_USE_DUALSTACK_ENDPOINT"),
        ({"AWS_USE_FIPS_ENDPOINT": "TRUE"}, "AWS_USE_FIPS_ENDPOINT"),
        ({"AWS_USE_FIPS_ENDPOINT": "false"}, None),
        ({"AWS_PROFILE": "media-operator"}, "AWS_PROFILE"),
        ({"AWS_DEFAULT_PROFILE": "media-operator"}, "AWS_DEFAULT_PROFILE"),
        # Blank, boto3 still uses them as they are: no profile "", no region "".
        ({"AWS_PROFILE": ""}, "AWS_PROFILE"),
        ({"AWS_DEFAULT_PROFILE": " "}, "AWS_DEFAULT_PROFILE"),
        ({"AWS_DEFAULT_REGION": ""}, "AWS_DEFAULT_REGION"),
        ({"AWS_DEFAULT_REGION": " "}, "AWS_DEFAULT_REGION"),
        ({"AWS_ENDPOINT_URL": " "}, "AWS_ENDPOINT_URL"),
        ({"AWS_ENDPOINT_URL_S3": " "}, "AWS_ENDPOINT_URL_S3"),
        ({"AWS_ENDPOINT_URL_S3": ""}, None),  # boto3 passes an empty one over
        # With an endpoint given outright, boto3 passes the switches over.
        ({"AWS_S3_ENDPOINT_URL": BACKBLAZE, "AWS_USE_FIPS_ENDPOINT": "true"}, None),
        ({"AWS_ENDPOINT_URL": BACKBLAZE, "AWS_USE_DUALSTACK_ENDPOINT": "true"}, None),
    ],
)
def test_what_boto3_reads_by_itself_the_policy_allows_or_start_up_refuses(
    boto3_reads, refused, own_region
):
    """boto3 reads these from the environment when the settings pass nothing: a
    region or an endpoint the policy did not list blocked every image (and, with a
    static bucket, every style and script), a profile a dyno has no file for made
    every image URL a 500. Each is now read as the settings' own, or refused."""
    s3 = dict.fromkeys(S3_VARIABLES) | {
        "AWS_MEDIA_BUCKET_NAME": "media-bucket",
        "AWS_STATIC_BUCKET_NAME": "static-bucket",
        "AWS_ACCESS_KEY_ID": "key-id",
        "AWS_SECRET_ACCESS_KEY": "secret-key",
        "AWS_S3_REGION_NAME": own_region,
    }
    env = production_env(DATABASE_URL="postgres://u:p@db.invalid/app", **(s3 | boto3_reads))
    result = run_python(URLS_AND_POLICY, env)
    if refused == "AWS_DEFAULT_REGION" and own_region:
        refused = None  # AWS_S3_REGION_NAME is passed on: neither reads the other
    if refused:
        assert result.returncode != 0
        assert f"ImproperlyConfigured: The environment variable {refused} " in result.stderr
        return
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    policy = shown["policy"]
    assert allowed_by(shown["media"], policy["img-src"]), (shown["media"], policy["img-src"])
    for directive in ("style-src", "script-src"):
        assert allowed_by(shown["static"], policy[directive]), (shown["static"], policy[directive])


@pytest.mark.parametrize(
    "shell",
    [
        {"AWS_DEFAULT_REGION": "auto"},  # Cloudflare R2's
        {"AWS_DEFAULT_REGION": "EU-WEST-1"},
        {"AWS_DEFAULT_REGION": ""},
        {"AWS_ENDPOINT_URL": "s3.example.com"},
        {"AWS_USE_FIPS_ENDPOINT": "true"},
        {"AWS_PROFILE": "work"},
    ],
)
def test_a_developers_aws_variables_stop_nothing_that_uses_no_bucket(shell):
    """A developer's shell may hold AWS variables for other work: development without
    a bucket never reads them (the files stay on disk), so `manage.py` still runs."""
    code = "import django; django.setup(); from django.conf import settings; print('ok')"
    no_buckets = dict.fromkeys(S3_VARIABLES)
    env = production_env(
        ENVIRONMENT="development", DATABASE_URL="postgres://u:p@db.invalid/app", **no_buckets
    )
    result = run_python(code, {**env, **shell})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok"]


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block."""

    def __init__(self):
        super().__init__()
        self.blocked: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.blocked.append("inline <script>")
        if tag == "style":
            self.blocked.append("<style> element")
        self.blocked += [f"{name}= on <{tag}>" for name in names if name == "style"]
        self.blocked += [f"{name}= on <{tag}>" for name in names if name.startswith("on")]


def blocked_by_csp(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.blocked


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/products/", 200),
        ("/tour/", 200),
        ("/tour/pipenv/", 200),
        ("/tour/static-versioning/", 200),
        ("/tour/prefetch/", 200),  # inline SVG charts
        ("/tour/auth-backend/", 200),
        ("/tour/s3-media/", 200),
        ("/debug/sentry-check", 200),
        ("/no-such-page/", 404),
        ("/admin/", 200),
        ("/admin/auth/user/", 200),
        ("/admin/auth/user/add/", 200),
        ("/admin/auth/group/", 200),
        ("/admin/password_change/", 200),
    ],
)
def test_pages_and_the_admin_need_no_inline_code(admin_client, fresh_s3, path, status):
    response = admin_client.get(path)
    assert response.status_code == status
    assert blocked_by_csp(response.content.decode()) == []


@pytest.mark.django_db
def test_admin_login_page_needs_no_inline_code(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert blocked_by_csp(response.content.decode()) == []


@pytest.mark.django_db
def test_not_found_page_reveals_nothing(client):
    response = client.get("/no-such-page/<script>")
    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"no-such-page" not in response.content
    assert b"urlpatterns" not in response.content


@pytest.mark.django_db
def test_unknown_host_gets_the_400_page(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert b"<h1>Bad request</h1>" in response.content
    assert b"evil.example" not in response.content


@pytest.mark.django_db
def test_csrf_failure_is_a_plain_403_page():
    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x"})
    assert response.status_code == 403
    assert b"<h1>Form not accepted</h1>" in response.content
    assert b"CSRF cookie not set" not in response.content


@pytest.mark.django_db
def test_staff_only_page_is_not_found_for_others(client, django_user_model):
    # A 404, not a redirect to the admin's login, which would reveal ADMIN_URL.
    assert client.get("/debug/sentry-check").status_code == 404
    assert client.post("/debug/sentry-check").status_code == 404
    user = django_user_model.objects.create_user("visitor", password="a long passphrase")
    client.force_login(user)
    response = client.get("/debug/sentry-check")
    assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False])
def test_only_developments_404_page_names_the_admin_path(client, settings, debug):
    """.env.example and docs/production.md: Django's 404 page with DEBUG on lists
    every URL pattern; the site's own names none."""
    settings.DEBUG = debug
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert (settings.ADMIN_URL in page.content.decode()) == debug


@pytest.mark.django_db
@pytest.mark.parametrize("permissions", [[], ["catalog.view_product", "catalog.change_product"]])
def test_the_sentry_check_is_not_found_for_staff_who_are_not_superusers(
    client, django_user_model, permissions
):
    """Open to any staff account, whatever its permissions: each POST made an error
    event in Sentry, a quota anyone with a staff login could spend."""
    staff = django_user_model.objects.create_user("clerk", is_staff=True)
    for permission in permissions:
        app_label, codename = permission.split(".")
        staff.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    client.force_login(staff)
    assert client.get("/debug/sentry-check").status_code == 404
    assert client.post("/debug/sentry-check").status_code == 404


@pytest.mark.django_db
def test_sentry_check_raises_for_staff_and_the_500_page_reveals_nothing(admin_user):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    page = client.get("/debug/sentry-check")
    assert page.status_code == 200
    assert b"SENTRY_DSN" in page.content
    response = client.post("/debug/sentry-check")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"SentryCheckError" not in response.content
    assert b"Traceback" not in response.content


@pytest.mark.django_db(transaction=True)
def test_unreachable_database_gives_the_503_page_with_retry_after():
    client = Client(raise_request_exception=False)
    real_name = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = "no_such_database"
    try:
        # A session cookie makes the admin load the session: a database query.
        client.cookies["sessionid"] = "x" * 32
        page = client.get("/admin/login/")
        health = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["NAME"] = real_name
    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    assert "no-cache" in page["Cache-Control"]
    assert b"Temporarily unavailable" in page.content
    assert b"no_such_database" not in page.content
    assert health.status_code == 503
    assert health["Retry-After"] == "30"


@pytest.mark.django_db(transaction=True)
def test_a_database_that_refuses_writes_gives_the_503_page_not_the_500():
    """A standby still in recovery after a failover, or a database set read-only,
    answers every write with SQLSTATE 25006, which psycopg2 raises as InternalError:
    each login, signup and logout was the 500 page ("It has been logged"), no
    Retry-After, a Sentry event each, while the pages that only read answered."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from tests.factories import PASSWORD, UserFactory

    user = UserFactory()
    member = Client(raise_request_exception=False)
    member.force_login(user)
    client = Client(raise_request_exception=False)
    client.get("/accounts/login/")  # its CSRF cookie, before the database turns read-only
    token = client.cookies["csrftoken"].value
    # A reset link opened while logged in writes the session alone, an update Django's
    # session store turns into UpdateError: the 400 page, before.
    reset_link = f"/accounts/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/"
    reset_link += f"{default_token_generator.make_token(user)}/"
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    try:
        answers = {
            "a session's update alone": member.get(reset_link),
            "login": client.post(
                "/accounts/login/",
                {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            ),
            "wrong password": client.post(
                "/accounts/login/",
                {"username": user.username, "password": "wrong", "csrfmiddlewaretoken": token},
            ),
            "signup": client.post(
                "/accounts/signup/",
                {
                    "username": "newcomer",
                    "email": "newcomer@example.com",
                    "password1": PASSWORD,
                    "password2": PASSWORD,
                    "csrfmiddlewaretoken": token,
                },
            ),
            "logout": member.post("/accounts/logout/"),
            "a page that reads": client.get("/products/"),
        }
    finally:
        connection.close()  # its session characteristics go with it
    assert answers.pop("a page that reads").status_code == 200
    for name, page in answers.items():
        assert page.status_code == 503, name
        assert page["Retry-After"] == "30", name
        assert b"Temporarily unavailable" in page.content, name


# A presigned URL names the key and any session token it was signed with.
MEDIA_URL = "import django; django.setup(); from django.core.files.storage import storages; "
MEDIA_URL += "print(storages['default'].url('a.png'))"


def media_url_with(**variables: str):
    """A production process printing a media URL, with the app's keys and `variables`."""
    env = production_env(
        DATABASE_URL="postgres://u:p@db.invalid/app",
        AWS_MEDIA_BUCKET_NAME="media-bucket",
        AWS_ACCESS_KEY_ID="key-id",
        AWS_SECRET_ACCESS_KEY="secret-key",
        **variables,
    )
    return run_python(MEDIA_URL, env)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AWS_S3_ACCESS_KEY_ID", " key-id"),
        ("AWS_S3_ACCESS_KEY_ID", "another-key-id"),
        ("AWS_S3_SECRET_ACCESS_KEY", "secret-key\n"),
        ("AWS_SESSION_TOKEN", " "),
        ("AWS_SECURITY_TOKEN", "stale-token"),
        ("AWS_S3_SESSION_PROFILE", "prod"),
    ],
)
def test_credentials_django_storages_reads_before_the_apps_keys_are_refused(name, value):
    """django-storages signs with the first of AWS_S3_ACCESS_KEY_ID and
    AWS_ACCESS_KEY_ID that is set (the secret likewise), adds AWS_SESSION_TOKEN or
    AWS_SECURITY_TOKEN, and takes AWS_S3_SESSION_PROFILE: behind the checks of the
    app's two keys, every S3 call was refused (a space in the signed key) or the
    release stopped with a traceback of some 50 lines."""
    result = media_url_with(**{name: value})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: The environment variable {name} " in result.stderr
    if value.strip():
        assert value.strip() not in result.stderr  # a key or a token is not shown


@pytest.mark.parametrize("name", ["AWS_S3_ACCESS_KEY_ID", "AWS_SESSION_TOKEN"])
def test_an_empty_credential_variable_is_passed_over_as_django_storages_does(name):
    result = media_url_with(**{name: ""})
    assert result.returncode == 0, result.stderr
    assert "X-Amz-Credential=key-id%2F" in result.stdout
    assert "X-Amz-Security-Token" not in result.stdout


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/products/?page=%00", {}),  # a NUL in a parameter: BadRequest
        ("/", {"HTTP_HOST": "myhost.lan:8000"}),  # a host not allowed: DisallowedHost
    ],
    ids=["bad request", "host not allowed"],
)
def test_debugs_own_error_pages_get_no_policy_that_blocks_them(client, settings, path, headers):
    """Under DEBUG Django answers a 400 with its debug page, whose style, script and
    onclick handlers are inline: the site's policy blocked them, leaving the demo's
    visitor an unstyled traceback whose toggles did nothing. django-csp leaves only
    the 404 and 500 alone. The site's own pages keep the policy."""
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = ["testserver"]
    response = client.get(path, **headers)
    assert response.status_code == 400
    assert b"<style" in response.content  # Django's debug page
    assert "Content-Security-Policy" not in response
    assert "Content-Security-Policy" in client.get("/")
    assert "Content-Security-Policy" in client.get("/accounts/profile/edit/", follow=True)


@pytest.mark.django_db
def test_debugs_page_for_more_parameters_than_django_reads_is_its_400(client, settings):
    """Django's debug page lists the query's parameters, and reading them raised the
    error it was reporting again: under DEBUG, a GET with more than
    DATA_UPLOAD_MAX_NUMBER_FIELDS parameters escaped every handler."""
    settings.DEBUG = True
    query = "&".join(f"a{number}=1" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = client.get(f"/products/?{query}")
    assert response.status_code == 400
    assert b"TooManyFieldsSent" in response.content
    response = client.post(
        "/accounts/login/", query, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (400, 403)  # the form's refusal, or the CSRF check's
    assert response.status_code != 500
