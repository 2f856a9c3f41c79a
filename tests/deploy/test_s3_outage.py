"""S3 going down under the running web process, and coming back.

The Procfile's web line runs in production mode with its media on a local S3
server of its own; two users sign up, one uploads an avatar; then the server is
stopped (its port refuses connections, as an unreachable endpoint does) and:

1. pages that need no media answer 200: home, the tour, /healthz, the login
   page, the profile of a user without an avatar;
2. pages that show avatars (a profile, a company's members) answer 200 too: a
   presigned URL is signed in the process, without asking S3; only the
   browser's request for the image fails;
3. an avatar upload is the form again with a clear error, quickly, and the
   profile row is unchanged; the S3 tour page, which reads the bucket, is a 503;
4. S3 started again on the same port: the next upload is stored.

A second test points the process at an endpoint that takes connections and
never answers (a network partition, a stuck proxy), then at one whose
connections never complete (packets dropped): the upload waits for the S3
client's read or connect timeout (config/media/storage.py), twice, and still answers with
the form error well before the router's 30 s.

Both print what they measured (`pipenv run test -s -n 0`; docs/production.md has the figures).
"""

import re
import urllib.error

import pytest

from config.local import s3 as locals3
from config.media.forms import STORAGE_ERROR_MESSAGE
from tests.deploy.client import RouterClient, download
from tests.factories import image_bytes
from tests.processes import built_and_released, fetch_all, manage, serving

PASSWORD = "a passphrase for the outage"
EDIT = "/accounts/profile/edit/"
# Staff assign companies (the admin); here a shell does it for Ada.
JOIN_COMPANY = (
    "from accounts.models import Company, Profile; "
    "Profile.objects.filter(user__username='ada')"
    ".update(company=Company.objects.create(name='Acme', slug='acme'))"
)


@pytest.fixture(scope="module")
def released():
    return built_and_released("s3_outage")


@pytest.fixture
def own_s3():
    """A local S3 server this test may stop and start again."""
    server = locals3.start()
    yield server
    server.stop()


def profile_row(database_url: str, username: str) -> tuple[str, str]:
    """(display name, avatar) of a user's profile, read from the database."""
    rows = fetch_all(
        database_url,
        "SELECT p.display_name, p.avatar FROM accounts_profile p "
        "JOIN auth_user u ON u.id = p.user_id WHERE u.username = %s",
        (username,),
    )
    return rows[0]


def upload_avatar(client: RouterClient, content: bytes, display_name: str):
    fields = {"display_name": display_name, "bio": ""}
    return client.submit(EDIT, fields, files={"avatar": ("me.png", content)})


def test_pages_without_media_keep_working_and_uploads_fail_cleanly(released, own_s3):
    env = {**released, "AWS_S3_ENDPOINT_URL": own_s3.endpoint_url}
    database_url = env["DATABASE_URL"]
    with serving(env) as web:
        ada, bob = RouterClient(web.port), RouterClient(web.port)
        ada.sign_up("ada", PASSWORD)
        bob.sign_up("bob", PASSWORD)
        company = manage("shell", "--no-imports", "-c", JOIN_COMPANY, env=env)
        assert company.returncode == 0, company.stderr
        portrait = image_bytes("PNG", (16, 16))
        assert upload_avatar(ada, portrait, "Ada").status == 302
        assert download(ada.get("/accounts/profile/").avatar_url()) == portrait
        ada_before, bob_before = profile_row(database_url, "ada"), profile_row(database_url, "bob")

        own_s3.stop()

        anonymous = RouterClient(web.port)
        for path in ("/", "/tour/", "/tour/pipenv/", "/healthz", "/accounts/login/"):
            assert anonymous.get(path).status == 200, path
        bob_page = bob.get("/accounts/profile/")
        assert bob_page.status == 200
        assert "<h1>bob</h1>" in bob_page.text
        assert bob_page.avatar_url() is None

        # The avatar's URL is signed without S3; the browser's request for it fails.
        ada_page = ada.get("/accounts/profile/")
        assert ada_page.status == 200
        url = ada_page.avatar_url()
        assert "X-Amz-Signature=" in url
        with pytest.raises(urllib.error.URLError):
            download(url)
        members = anonymous.get("/companies/acme/")
        assert members.status == 200
        assert '<img class="avatar avatar-small" src="http://127.0.0.1:' in members.text

        # The tour page that saves and restores a file live says it cannot.
        tour = anonymous.get("/tour/s3-media/")
        assert tour.status == 503
        assert "The media bucket could not be read just now" in tour.text

        failed = {
            "bob": upload_avatar(bob, image_bytes("PNG"), "Bob B."),
            "ada": upload_avatar(ada, image_bytes("PNG"), "Ada L."),
        }
        for reply in failed.values():
            assert reply.status == 200
            assert STORAGE_ERROR_MESSAGE in reply.text
        # Nothing saved: neither the new name nor the new file; Ada keeps her old avatar.
        assert profile_row(database_url, "ada") == ada_before
        assert profile_row(database_url, "bob") == bob_before
        assert "Your profile is saved" not in bob.get("/accounts/profile/").text

        back = locals3.start(int(own_s3.endpoint_url.rsplit(":", 1)[1]))
        try:
            assert upload_avatar(bob, portrait, "Bob B.").status == 302
            assert profile_row(database_url, "bob")[0] == "Bob B."
            assert download(bob.get("/accounts/profile/").avatar_url()) == portrait
            assert download(ada.get("/accounts/profile/").avatar_url()) == portrait
        finally:
            back.stop()

    log = web.output()
    assert "Internal Server Error" not in log
    assert re.findall(r'"GET (\S+) HTTP/1\.[01]" 5\d\d ', log) == ["/tour/s3-media/"]
    # Logged for the operator, with the cause (the name with its random part).
    assert re.search(r"Storing upload '[A-Za-z0-9]{16}\.png'", log)
    print(
        "\nS3 stopped: failing avatar uploads answered with the form error in "
        + ", ".join(f"{reply.seconds * 1000:.0f} ms" for reply in failed.values())
    )


@pytest.fixture(params=["never answers", "drops connections"])
def unresponsive_s3(request) -> str:
    """The endpoint of an S3 that takes connections and never answers, or never takes them."""
    fixture = "silent_port" if request.param == "never answers" else "dropping_port"
    return f"http://127.0.0.1:{request.getfixturevalue(fixture)}"


def test_an_unresponsive_s3_gives_the_form_error_well_before_the_router_gives_up(
    released, unresponsive_s3, request
):
    kind = request.node.callspec.id
    username = kind.replace(" ", "-")
    with serving({**released, "AWS_S3_ENDPOINT_URL": unresponsive_s3}) as web:
        client = RouterClient(web.port, timeout=60)
        client.sign_up(username, PASSWORD)
        assert client.get("/accounts/profile/").status == 200
        reply = upload_avatar(client, image_bytes("PNG"), "New name")
    assert reply.status == 200, web.output()[-3000:]
    assert STORAGE_ERROR_MESSAGE in reply.text
    assert profile_row(released["DATABASE_URL"], username) == ("", "")
    # Two attempts of 5 s (read) or 3 s (connect) each, with at most 50 ms between
    # them: about 10 s. The bound leaves a busy machine room and is still far from 30 s.
    assert reply.seconds < 20
    print(
        f"\nS3 that {kind}: the avatar upload answered with the form error in {reply.seconds:.1f} s"
    )
