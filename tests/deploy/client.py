"""An HTTP client that talks to a web process as Heroku's router forwards a browser.

Every request carries the router's headers (Host, X-Forwarded-Proto: https), the
cookies the site set (kept by hand: they are Secure, which urllib's cookie jar
would never send over the plain HTTP the router speaks to a dyno), and an Origin
on POSTs, as a browser sends it.
"""

import http.client
import re
import socket
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from html import unescape
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from tests.processes import HEROKU_HOST, clear_of_window_end, manage

TIMEOUT = 10


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    seconds: float = 0.0

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def form_token(self) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.text)
        assert match, self.text
        return match.group(1)

    def avatar_url(self) -> str | None:
        """The src of the page's avatar image, if it shows one."""
        match = re.search(r'<img class="avatar" src="([^"]+)"', self.text)
        return unescape(match.group(1)) if match else None


@dataclass
class RouterClient:
    port: int
    host: str = HEROKU_HOST
    # Two clients given one dict share cookies: one browser talking to two dynos.
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = TIMEOUT

    def request(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Reply:
        sent = {"Host": self.host, "X-Forwarded-Proto": "https"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            sent["Origin"] = f"https://{self.host}"
        sent.update(headers or {})
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        started = time.monotonic()
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in sent.items():
                connection.putheader(name, value)
            if body or method in ("POST", "PUT", "PATCH"):
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body or None)
            response = connection.getresponse()
            reply = Reply(response.status, response.getheaders(), response.read())
        finally:
            connection.close()
        reply.seconds = time.monotonic() - started
        for name, value in reply.headers:
            if name.lower() == "set-cookie":
                for morsel in SimpleCookie(value).values():
                    self.cookies[morsel.key] = morsel.value
        return reply

    def get(self, path: str, headers: dict[str, str] | None = None) -> Reply:
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, fields: dict[str, str], headers=None) -> Reply:
        body = urlencode(fields).encode()
        form = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return self.request("POST", path, body, form)

    def post_multipart(
        self, path: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]], headers=None
    ) -> Reply:
        """POST a form with file fields (`files`: field name -> (file name, content))."""
        boundary = uuid.uuid4().hex
        head = f"--{boundary}\r\nContent-Disposition: form-data; "
        parts = [f'{head}name="{name}"\r\n\r\n{value}'.encode() for name, value in fields.items()]
        parts += [
            f'{head}name="{name}"; filename="{filename}"\r\n'.encode()
            + b"Content-Type: application/octet-stream\r\n\r\n"
            + content
            for name, (filename, content) in files.items()
        ]
        body = b"\r\n".join(parts) + f"\r\n--{boundary}--\r\n".encode()
        form = {"Content-Type": f"multipart/form-data; boundary={boundary}", **(headers or {})}
        return self.request("POST", path, body, form)

    def submit(self, path: str, fields: dict[str, str], files=None, headers=None) -> Reply:
        """Fill in the form on `path` as a browser does: GET it, then POST with its CSRF token."""
        fields = {"csrfmiddlewaretoken": self.get(path, headers).form_token(), **fields}
        if files:
            return self.post_multipart(path, fields, files, headers)
        return self.post_form(path, fields, headers)

    def sign_up(self, username: str, password: str) -> None:
        reply = self.try_sign_up(username, password)
        assert (reply.status, reply.header("Location")) == (302, "/accounts/profile/"), reply.text

    def try_sign_up(self, username: str, password: str, headers=None) -> Reply:
        """The site's signup form; a 302 means signed up, a 429 over the limit."""
        fields = {
            "username": username,
            "email": f"{username}@example.com",
            "password1": password,
            "password2": password,
        }
        return self.submit("/accounts/signup/", fields, headers=headers)

    def log_in(self, username: str, password: str, headers=None) -> Reply:
        """The site's login form; a 302 means logged in, a 429 locked out."""
        fields = {"username": username, "password": password}
        return self.submit("/accounts/login/", fields, headers=headers)

    def log_in_to_admin(self, username: str, password: str, admin_url: str = "/admin/") -> None:
        fields = {"username": username, "password": password}
        reply = self.submit(f"{admin_url}login/?next={admin_url}", fields)
        assert reply.status == 302, reply.text
        assert "sessionid" in self.cookies


def download(url: str) -> bytes:
    """What a browser gets for an image URL of a page: here the local S3 server's."""
    assert url.startswith("http://127.0.0.1:"), url
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return response.read()


def send_raw(port: int, data: bytes, timeout: float = TIMEOUT) -> bytes:
    """Send bytes as they are (what http.client refuses to send) and return the reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def create_superuser(env: dict[str, str], username: str, password: str) -> None:
    """A superuser to log in as, on the environment's (released) database."""
    superuser = manage(
        "createsuperuser",
        "--noinput",
        env={
            **env,
            "DJANGO_SUPERUSER_USERNAME": username,
            "DJANGO_SUPERUSER_EMAIL": f"{username}@example.com",
            "DJANGO_SUPERUSER_PASSWORD": password,
        },
    )
    assert superuser.returncode == 0, superuser.stderr


def sign_ups_across(webs, count: int, prefix: str, password: str, headers=None) -> list[Reply]:
    """`count` signups from new browsers, taking turns between the web processes,
    started only when enough time is left of the hourly signup limit's window
    (tests.processes.clear_of_window_end)."""
    clear_of_window_end()
    return [
        RouterClient(webs[n % len(webs)].port).try_sign_up(f"{prefix}{n}", password, headers)
        for n in range(count)
    ]
