"""Request bodies larger than the largest legitimate one get 413 before they are read.

The Procfile's web line runs in production mode. A body declared (Content-Length)
or sent (chunked) above REQUEST_BODY_MAX_BYTES is answered with the 413 page
while the client is still sending, on every route; a smaller chunked body is
read as if it had a Content-Length; and the two image uploads of the site, the
admin's product image and the avatar, still work at their 5 MB limit.
"""

import http.client
import re
import socket
from urllib.parse import urlencode

import pytest
from django.conf import settings

from tests.deploy.client import RouterClient, create_superuser, send_raw
from tests.deploy.corpus import WITH_CSRF
from tests.factories import image_bytes
from tests.processes import HEROKU_HOST, manage, production_env, released_database, serving

PASSWORD = "a passphrase for the body limit"
LIMIT = settings.REQUEST_BODY_MAX_BYTES
ROUTES = ["/accounts/login/", "/accounts/signup/", "/admin/login/", "/", "/no-such-page/"]


@pytest.fixture(scope="module")
def site():
    env = production_env(DATABASE_URL=released_database("body_limit"))
    create_superuser(env, "staff", PASSWORD)
    # Measured: the limit is a WSGI wrapper (config/wsgi.py) the test client never passes.
    with serving(env, measured=True) as web:
        yield web, env


def start(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPConnection:
    """A POST whose headers are sent and whose body is not (yet). It carries a valid
    CSRF cookie and token, so nothing but its size stops Django from reading it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("POST", path, skip_host=True, skip_accept_encoding=True)
    sent = {
        "Host": HEROKU_HOST,
        "X-Forwarded-Proto": "https",
        "Origin": f"https://{HEROKU_HOST}",
        **WITH_CSRF,
        **headers,
    }
    for name, value in sent.items():
        connection.putheader(name, value)
    connection.endheaders()
    return connection


def assert_too_large(response: http.client.HTTPResponse) -> None:
    body = response.read().decode()
    assert response.status == 413, body[:500]
    assert "<h1>Request too large</h1>" in body
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert "camera=()" in response.getheader("Permissions-Policy")


@pytest.mark.parametrize("path", ROUTES)
def test_a_body_declared_above_the_limit_is_refused_before_it_arrives(site, path):
    web, _ = site
    # 208 MB announced; only the first kilobyte is ever sent.
    connection = start(
        web.port,
        path,
        {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": "208000000"},
    )
    connection.send(b"--x\r\n" + b"a" * 1024)
    assert_too_large(connection.getresponse())
    connection.close()


def test_a_client_expecting_100_continue_gets_it_from_gunicorn_then_the_413(site):
    """As docs/production.md says: gunicorn answers `Expect: 100-continue` itself, as
    it reads the headers, before the app sees them; the app's 413 follows, and no
    byte of the body is read."""
    web, _ = site
    headers = {
        "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": "208000000",
        "Expect": "100-continue",
    }
    connection = start(web.port, ROUTES[0], headers)
    continue_line = b"HTTP/1.1 100 Continue\r\n\r\n"
    assert connection.sock.recv(len(continue_line), socket.MSG_WAITALL) == continue_line
    assert_too_large(connection.getresponse())
    connection.close()


@pytest.mark.parametrize("path", ROUTES)
def test_a_body_just_above_the_limit_is_refused(site, path):
    web, _ = site
    connection = start(web.port, path, {"Content-Length": str(LIMIT + 1)})
    assert_too_large(connection.getresponse())
    connection.close()


def chunked(data: bytes, size: int = 65536) -> bytes:
    pieces = [data[i : i + size] for i in range(0, len(data), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)


@pytest.mark.parametrize("path", ROUTES)
def test_a_chunked_body_above_the_limit_is_refused(site, path):
    web, _ = site
    connection = start(web.port, path, {"Transfer-Encoding": "chunked"})
    # More than the limit, and no last chunk: the server stops reading before the end.
    connection.send(chunked(b"a" * (LIMIT + 65536)))
    assert_too_large(connection.getresponse())
    connection.close()


def test_a_chunked_form_below_the_limit_is_read_like_any_other(site):
    web, _ = site
    password = PASSWORD.replace(" ", "+")
    fields = (
        f"username=chunky&email=chunky%40example.com&password1={password}&password2={password}"
    ).encode()
    form = {"Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked"}
    connection = start(web.port, "/accounts/signup/", form)
    connection.send(chunked(fields, 16) + b"0\r\n\r\n")
    response = connection.getresponse()
    assert response.status == 302, response.read().decode()
    assert response.getheader("Location") == "/accounts/profile/"
    connection.close()


def image_of(size: int) -> bytes:
    """A valid PNG padded after its end to exactly `size` bytes (Pillow ignores the rest)."""
    image = image_bytes("PNG", (64, 64))
    return image + b"\0" * (size - len(image))


def test_an_avatar_at_the_image_limit_is_stored(site):
    web, _ = site
    client = RouterClient(web.port)
    client.sign_up("avatar", PASSWORD)
    content = image_of(settings.IMAGE_UPLOAD_MAX_BYTES)
    fields = {"display_name": "Ada", "bio": "b" * 1000, "company": ""}
    reply = client.submit("/accounts/profile/edit/", fields, files={"avatar": ("me.png", content)})
    assert (reply.status, reply.header("Location")) == (302, "/accounts/profile/"), reply.text
    assert client.get("/accounts/profile/").avatar_url()


def test_an_image_one_byte_over_its_limit_is_a_form_error_not_a_413(site):
    web, _ = site
    client = RouterClient(web.port)
    client.sign_up("toobig", PASSWORD)
    content = image_of(settings.IMAGE_UPLOAD_MAX_BYTES + 1)
    fields = {"display_name": "", "bio": "", "company": ""}
    reply = client.submit("/accounts/profile/edit/", fields, files={"avatar": ("me.png", content)})
    assert reply.status == 200
    assert "an image may be at most 5,242,880" in reply.text


@pytest.mark.parametrize("over", [0, 1], ids=["at the limit", "one byte over"])
def test_a_product_image_through_the_admin_at_the_limit_is_stored_one_byte_more_not(site, over):
    web, env = site
    category = manage(
        "shell",
        "--no-imports",
        "-c",
        "from catalog.models import Category; "
        f"print(Category.objects.create(name='Lamps {over}', slug='lamps-{over}').pk)",
        env=env,
    )
    assert category.returncode == 0, category.stderr
    staff = RouterClient(web.port)
    staff.log_in_to_admin("staff", PASSWORD)
    fields = {
        "name": "Big lamp",
        "slug": f"big-lamp-{over}",
        "description": "d" * 5000,
        "price": "10.00",
        "category": category.stdout.strip(),
        "is_published": "on",
        "created_at_0": "2025-01-01",
        "created_at_1": "10:00:00",
        "features-TOTAL_FORMS": "0",
        "features-INITIAL_FORMS": "0",
        "features-MIN_NUM_FORMS": "0",
        "features-MAX_NUM_FORMS": "1000",
    }
    content = image_of(settings.IMAGE_UPLOAD_MAX_BYTES + over)
    reply = staff.submit(
        "/admin/catalog/product/add/", fields, files={"image": ("lamp.png", content)}
    )
    page = staff.get(f"/products/big-lamp-{over}/")
    if over:
        assert reply.status == 200
        assert "an image may be at most 5,242,880" in reply.text
        assert page.status == 404  # nothing saved
        return
    assert reply.status == 302, re.findall(r'class="errorlist[^>]*>.*?</ul>', reply.text)
    assert page.status == 200
    assert "lamp" in page.text


@pytest.mark.parametrize("token", ["in the form", "in the header"])
@pytest.mark.parametrize("cut", ["form", "multipart", "inside the file"])
def test_a_body_that_ends_before_its_length_changes_nothing(site, cut, token):
    """A client gone mid-body (a browser's Stop, a tab closed during an upload) ends
    its half of the connection: gunicorn handed on the bytes that had come as the
    whole body, and the form they held was saved, a bio cut off mid-word, or a
    name without the picture sent with it. With the CSRF token in its header (as
    scripts send it), the form arrived empty, and an empty profile form is valid."""
    web, _ = site
    client = RouterClient(web.port)
    client.sign_up(f"cut-{cut.replace(' ', '-')}-{token.split()[-1]}", PASSWORD)
    before = {"display_name": "Ada", "bio": "Saved before.", "company": ""}
    assert client.submit("/accounts/profile/edit/", before).status == 302
    form_token = client.get("/accounts/profile/edit/").form_token()
    fields = {"display_name": "Ada Lovelace", "bio": "x" * 1500}
    header = ""
    if token == "in the form":
        fields = {"csrfmiddlewaretoken": form_token, **fields}
    else:
        header = f"X-CSRFToken: {form_token}\r\n"
    picture = image_bytes("PNG", (64, 64))
    if cut == "form":
        body = urlencode(fields).encode()
        content_type = "application/x-www-form-urlencoded"
    else:
        boundary = "cut-short-boundary"
        head = f"--{boundary}\r\nContent-Disposition: form-data; "
        parts = [f'{head}name="{name}"\r\n\r\n{value}'.encode() for name, value in fields.items()]
        parts.append(
            f'{head}name="avatar"; filename="me.png"\r\nContent-Type: image/png\r\n\r\n'.encode()
            + picture
        )
        body = b"\r\n".join(parts) + f"\r\n--{boundary}--\r\n".encode()
        content_type = f"multipart/form-data; boundary={boundary}"
    end = (
        body.index(picture) + len(picture) // 2
        if cut == "inside the file"
        else body.index(b"x" * 100)
    )
    cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    request = (
        f"POST /accounts/profile/edit/ HTTP/1.1\r\nHost: {HEROKU_HOST}\r\n"
        f"X-Forwarded-Proto: https\r\nOrigin: https://{HEROKU_HOST}\r\nCookie: {cookies}\r\n"
        f"{header}Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    reply = send_raw(web.port, request + body[:end])
    assert reply.startswith(b"HTTP/1.1 400 "), reply[:300]
    profile = client.get("/accounts/profile/")
    assert "<h1>Ada</h1>" in profile.text
    assert "Saved before." in profile.text
    assert "Ada Lovelace" not in profile.text
    assert profile.avatar_url() is None
