"""The bad-input corpus: malformed requests the site must refuse cleanly.

Each entry is a `Probe`; tests/deploy/test_bad_input.py sends them all to the
running web process and expects every answer to be a refusal, 3xx or 4xx (never
5xx), with no row written anywhere. The exceptions: a form page that got a
well-formed request with a valid CSRF token and a body that is garbage answers
with the form again and its errors (`expect="form error"`); a page sent with a
cookie the app never issued is served as without it (`expect="served"`); and
images in the formats cameras write (MPO, CMYK JPEG), which once were a 500, are
posted to the avatar form and must be saved (`expect="saved"`).

Helpers build the probes for one kind of URL, so a new route joins with one
line in `CORPUS`, e.g. for a paginated list, a detail page and a form:

    *query_probes("/products/", "page"),
    *slug_probes("/products/"),
    *form_probes("/accounts/signup/", form_page=True),

Left out on purpose: the admin's changelist answers a bad `?p=` with a valid
page (200), so it is no page-number target; gunicorn answers an unknown
Transfer-Encoding with 501, as RFC 9112 asks, before the app sees it.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings

from tests.images import ACCEPTED, REFUSED
from tests.processes import HEROKU_HOST

# A CSRF cookie and the matching header, so a POST gets past the CSRF check and
# Django reads its body (a secret of 32 letters is a valid unmasked token).
CSRF_SECRET = "a" * 32
WITH_CSRF = {"Cookie": f"csrftoken={CSRF_SECRET}", "X-CSRFToken": CSRF_SECRET}


@dataclass(frozen=True)
class Probe:
    name: str
    path: str = "/"
    method: str = "GET"
    headers: dict[str, str] = field(default_factory=dict, hash=False)
    body: bytes = b""
    # The whole request as bytes, for what http.client refuses to send.
    raw: bytes | None = None
    # Sent with a logged-in staff member's session (the admin's own pages), and
    # with the probe's own cookies, if it has a Cookie header.
    staff: bool = False
    # "refused": 3xx or 4xx. "form error": 200 showing the form's errors.
    # "clamped": 200, the value replaced by the nearest valid one (?per_page=), read
    # from the form field `clamp[0]`, which must hold 1 to `clamp[1]`.
    # "saved": the redirect after a form was saved (302).
    # "served": 200, the page as without the bad part (a cookie the app never issued).
    expect: str = "refused"
    clamp: tuple[str, int] = ("per_page", 100)


# Query-string values no page accepts as a page number, a count, a date or a
# choice: letters, signs, huge numbers, SQL, unicode, control characters, broken
# percent-encoding. Already percent-encoded where a browser would encode them.
BAD_VALUES = {
    "letters": "abc",
    "negative": "-1",
    "zero": "0",
    "huge": "9" * 40,
    "float": "1.5",
    "exponent": "1e309",
    "sql quote": quote("1' OR '1'='1"),
    "sql union": quote("1 UNION SELECT username, password FROM auth_user--"),
    "sql comment": quote("1;DROP TABLE auth_user;--"),
    "unicode": quote("ünï©ødé 🙂"),
    "right-to-left": quote("\u202e1"),
    "null byte": "%00",
    "control characters": "%01%1b%7f",
    "bad percent": "%zz",
    "broken utf-8": "%ff%fe%c0%af",
    "overlong": "x" * 3000,
    "html": quote("<script>alert(1)</script>"),
}

# Path segments no slug or id route matches.
BAD_SEGMENTS = {
    "overlong": "a" * 300,
    "very long": "product-" * 400,
    "unicode": quote("ünï©ødé-🙂"),
    "sql": quote("x' OR 1=1--"),
    "null byte": "x%00y",
    "bad percent": "%zz",
    "broken utf-8": "%ff%fe",
    "overlong utf-8 slash": "%c0%af",
    "dot segments": "..%2f..%2fetc%2fpasswd",
    "html": quote("<img src=x>"),
    "crlf": "x%0d%0aSet-Cookie:%20injected=1",
    "huge number": "9" * 40,
}


# Storage names the media versions page refuses (config/media/versions.py, check_name): none
# of them is exactly one key of the bucket. As a browser's query string holds them.
BAD_STORAGE_NAMES = {
    "empty": "",
    "dot": ".",
    "dot dot": "..",
    "encoded dot dot": "%2e%2e",
    "double-encoded dot dot": "%252e%252e",
    "parent then a name": "..%2fx",
    "parent inside": "a/../b.png",
    "dot inside": "a/./b.png",
    "leading slash": "%2fetc%2fpasswd",
    "double slash": "a//b.png",
    "trailing slash": "products/",
    "backslash": "a%5cb.png",
    "null byte": "a%00b.png",
    "control characters": "a%01%1b%7fb.png",
    "broken utf-8": "a%ff%feb.png",
    "right-to-left override": quote("a\u202eb.png"),
    "over 1024 bytes": "x" * 1025,
}


def query_probes(
    path: str,
    param: str,
    *,
    staff: bool = False,
    values=BAD_VALUES,
    expect: str = "refused",
    clamp_max: int = 100,
) -> list[Probe]:
    """One probe per bad value of one query-string parameter."""
    return [
        Probe(
            f"{path}?{param}= {label}",
            f"{path}?{param}={value}",
            staff=staff,
            expect=expect,
            clamp=(param, clamp_max),
        )
        for label, value in values.items()
    ]


def slug_probes(prefix: str, suffix: str = "/", *, staff: bool = False) -> list[Probe]:
    """One probe per bad path segment after a prefix (a slug or id route)."""
    return [
        Probe(f"{prefix}<{label}>{suffix}", f"{prefix}{segment}{suffix}", staff=staff)
        for label, segment in BAD_SEGMENTS.items()
    ]


def form_probes(path: str, *, form_page: bool = False) -> list[Probe]:
    """POSTs without a valid CSRF token, other methods, and bodies Django must refuse.

    A form page (`form_page=True`) answers a garbled body that passed the CSRF
    check with its form and errors; any other page refuses the POST.
    """
    garbled = "form error" if form_page else "refused"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    fields = b"username=admin&password=x"
    return [
        Probe(f"POST {path} without CSRF cookie or token", path, "POST", form, fields),
        Probe(
            f"POST {path} with a CSRF cookie, no token",
            path,
            "POST",
            {**form, "Cookie": f"csrftoken={CSRF_SECRET}"},
            fields,
        ),
        Probe(
            f"POST {path} with a wrong CSRF token",
            path,
            "POST",
            {**form, "Cookie": f"csrftoken={CSRF_SECRET}"},
            fields + b"&csrfmiddlewaretoken=" + b"b" * 32,
        ),
        Probe(
            f"POST {path} from another origin",
            path,
            "POST",
            {**form, **WITH_CSRF, "Origin": "https://evil.example"},
            fields,
        ),
        Probe(f"PUT {path}", path, "PUT", form, fields),
        Probe(f"DELETE {path}", path, "DELETE"),
        Probe(f"PATCH {path}", path, "PATCH", form, fields),
        Probe(f"PROPFIND {path}", path, "PROPFIND"),
        Probe(f"PROPFIND {path} with a CSRF cookie and token", path, "PROPFIND", WITH_CSRF),
        Probe(f"TRACE {path}", path, "TRACE"),
        Probe(f"CONNECT-like method on {path}", path, "M-SEARCH"),
        Probe(
            f"POST {path} 2 MiB form body",
            path,
            "POST",
            {**form, **WITH_CSRF},
            b"x=" + b"a" * (2 * 1024 * 1024),
        ),
        Probe(
            f"POST {path} 2,000 fields",
            path,
            "POST",
            {**form, **WITH_CSRF},
            b"&".join(b"f%d=1" % i for i in range(2000)),
        ),
        Probe(
            f"POST {path} multipart without boundary",
            path,
            "POST",
            {**WITH_CSRF, "Content-Type": "multipart/form-data"},
            b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--\r\n",
        ),
        Probe(
            f"POST {path} multipart cut short",
            path,
            "POST",
            {**WITH_CSRF, "Content-Type": "multipart/form-data; boundary=xyz"},
            b'--xyz\r\nContent-Disposition: form-data; name="avatar"; filename="a.png"\r\n'
            b"Content-Type: image/png\r\n\r\n\x89PNG\r\n",
            expect=garbled,
        ),
        Probe(
            f"POST {path} multipart with a broken boundary",
            path,
            "POST",
            {**WITH_CSRF, "Content-Type": "multipart/form-data; boundary=" + "é" * 3},
            b"--\r\n",
        ),
        Probe(
            f"POST {path} JSON where a form is expected",
            path,
            "POST",
            {**WITH_CSRF, "Content-Type": "application/json"},
            b'{"username": {"$ne": null}, "password": [1, 2]}',
            expect=garbled,
        ),
    ]


def upload_probes(path: str, field: str) -> list[Probe]:
    """Image files posted to a logged-in member's form (staff session, valid CSRF token):
    formats cameras write, which it must save, and files it must answer with its form."""
    files = {
        "camera MPO": (ACCEPTED["mpo (camera: two pictures)"][0], "saved"),
        "CMYK JPEG": (ACCEPTED["jpeg cmyk"][0], "saved"),
        **{
            case: (REFUSED[case][0], "form error")
            for case in (
                "truncated jpeg",
                "bmp",
                "decompression bomb",
                "gif animation over the pixel budget",
                "gif growing in a later frame",
                "gif of 1,001 tiny frames",
            )
        },
    }
    boundary = "corpus-upload-boundary"
    multipart = {**WITH_CSRF, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    return [
        Probe(
            f"POST {path} {label} as {field}",
            path,
            "POST",
            multipart,
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode(),
            staff=True,
            expect=expect,
        )
        for label, (content, expect) in files.items()
    ]


def post_field_probes(
    path: str, param: str, values: dict[str, str], *, other_fields: str = "", staff: bool = False
) -> list[Probe]:
    """One POST per bad value of one form field, past the CSRF check (staff: logged in)."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    csrf = {"X-CSRFToken": CSRF_SECRET} if staff else WITH_CSRF  # staff send CSRF_SECRET's cookie
    return [
        Probe(
            f"POST {path} {param}= {label}",
            path,
            "POST",
            {**form, **csrf},
            f"{param}={value}&{other_fields}".encode(),
            staff=staff,
        )
        for label, value in values.items()
    ]


def host_probes(path: str = "/") -> list[Probe]:
    """Host headers the site does not serve: Django's ALLOWED_HOSTS check answers 400."""
    hosts = {
        "another site": "evil.example",
        "suffix attack": f"{HEROKU_HOST}.evil.example",
        "bad port": f"{HEROKU_HOST}:abc",
        "userinfo": f"user@{HEROKU_HOST}",
        "the dyno's address": "127.0.0.1",
        "empty": "",
        "unicode": "exämple.herokuapp.com".encode("idna").decode() + "é",
        "overlong": "a" * 300 + ".example",
        "trailing path": f"{HEROKU_HOST}/x",
    }
    return [
        Probe(f"{path} with Host: {label}", path, headers={"Host": host})
        for label, host in hosts.items()
    ]


def raw_request(request_line: bytes, *headers: bytes, body: bytes = b"") -> bytes:
    lines = [request_line, *headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


HOST = b"Host: " + HEROKU_HOST.encode()
HTTPS = b"X-Forwarded-Proto: https"
# The largest request body the site reads (config/security/bodylimit.py).
BODY_LIMIT = settings.REQUEST_BODY_MAX_BYTES
HUGE_LENGTH = b"Content-Length: 208000000"
# The router's headers and a CSRF cookie with its token: only the body is wrong.
RAW_CSRF = [
    HOST,
    HTTPS,
    b"Cookie: csrftoken=" + CSRF_SECRET.encode(),
    b"X-CSRFToken: " + CSRF_SECRET.encode(),
]

# What a browser or http.client would never send: malformed at the HTTP level.
# Gunicorn refuses most of these itself with a 400 before Django sees them.
RAW_PROBES = [
    Probe("null byte in the path", raw=raw_request(b"GET /tour/\x00 HTTP/1.1", HOST, HTTPS)),
    Probe("space in the path", raw=raw_request(b"GET /tour/a b/ HTTP/1.1", HOST, HTTPS)),
    Probe("raw unicode path", raw=raw_request("GET /tür/ HTTP/1.1".encode(), HOST, HTTPS)),
    Probe("raw invalid utf-8 path", raw=raw_request(b"GET /\xff\xfe/ HTTP/1.1", HOST, HTTPS)),
    Probe("bad percent in path", raw=raw_request(b"GET /%zz%/ HTTP/1.1", HOST, HTTPS)),
    Probe("unknown HTTP version", raw=raw_request(b"GET / HTTP/9.9", HOST, HTTPS)),
    Probe("garbage request line", raw=raw_request(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03")),
    Probe("lowercase method", raw=raw_request(b"get / HTTP/1.1", HOST, HTTPS)),
    Probe("HTTP/1.1 without Host", raw=raw_request(b"GET / HTTP/1.1", HTTPS)),
    Probe("two Host headers", raw=raw_request(b"GET / HTTP/1.1", HOST, b"Host: evil.example")),
    Probe(
        "CRLF injected into a header value",
        raw=raw_request(
            b"GET / HTTP/1.1", HOST, HTTPS, b"X-Note: a\rSet-Cookie: injected=1", b"X-Other: b"
        ),
    ),
    Probe("header without a colon", raw=raw_request(b"GET / HTTP/1.1", HOST, HTTPS, b"Bogus")),
    Probe(
        "obsolete folded header",
        raw=raw_request(b"GET / HTTP/1.1", HOST, HTTPS, b"X-A: 1", b" folded"),
    ),
    Probe(
        "space before the colon",
        raw=raw_request(b"GET / HTTP/1.1", HOST, HTTPS, b"Content-Length : 5", body=b"x=1&y"),
    ),
    Probe(
        "header of 10 KB",
        raw=raw_request(b"GET / HTTP/1.1", HOST, HTTPS, b"X-Big: " + b"a" * 10_000),
    ),
    Probe(
        "120 headers",
        raw=raw_request(b"GET / HTTP/1.1", HOST, HTTPS, *(b"X-H%d: 1" % i for i in range(120))),
    ),
    Probe(
        "request line of 6 KB",
        raw=raw_request(b"GET /" + b"a" * 6000 + b" HTTP/1.1", HOST, HTTPS),
    ),
    Probe(
        "Content-Length not a number",
        raw=raw_request(b"POST / HTTP/1.1", HOST, HTTPS, b"Content-Length: abc", body=b"x"),
    ),
    Probe(
        "negative Content-Length",
        raw=raw_request(b"POST / HTTP/1.1", HOST, HTTPS, b"Content-Length: -5", body=b"x"),
    ),
    Probe(
        "two different Content-Lengths",
        raw=raw_request(
            b"POST / HTTP/1.1", HOST, HTTPS, b"Content-Length: 3", b"Content-Length: 5", body=b"x"
        ),
    ),
    Probe(
        "Content-Length and Transfer-Encoding (smuggling)",
        raw=raw_request(
            b"POST / HTTP/1.1",
            HOST,
            HTTPS,
            b"Content-Length: 4",
            b"Transfer-Encoding: chunked",
            body=b"0\r\n\r\nGET /admin/ HTTP/1.1\r\nHost: evil.example\r\n\r\n",
        ),
    ),
    Probe(
        "bad chunk size",
        raw=raw_request(
            b"POST / HTTP/1.1", HOST, HTTPS, b"Transfer-Encoding: chunked", body=b"zz\r\nx\r\n0\r\n"
        ),
    ),
    Probe(
        "body shorter than its Content-Length",
        raw=raw_request(
            b"POST /admin/login/ HTTP/1.1",
            HOST,
            HTTPS,
            b"Content-Type: application/x-www-form-urlencoded",
            b"Cookie: csrftoken=" + CSRF_SECRET.encode(),
            b"Origin: https://" + HEROKU_HOST.encode(),
            b"Content-Length: 500",
            body=b"csrfmiddlewaretoken=" + CSRF_SECRET.encode() + b"&username=a",
        ),
        expect="form error",
    ),
    *(
        Probe(
            f"{label} on {path}",
            raw=raw_request(f"POST {path} HTTP/1.1".encode(), *head, body=body),
        )
        for label, path, head, body in [
            (
                "Content-Length far above the body limit",
                "/accounts/login/",
                [*RAW_CSRF, b"Content-Type: multipart/form-data; boundary=x", HUGE_LENGTH],
                b"--x\r\n" + b"a" * 1024,
            ),
            (
                "chunked body above the body limit",
                "/accounts/signup/",
                [*RAW_CSRF, b"Transfer-Encoding: chunked"],
                b"%x\r\n" % (BODY_LIMIT + 1) + b"a" * (BODY_LIMIT + 1) + b"\r\n0\r\n\r\n",
            ),
        ]
    ),
    Probe(
        "cookie header full of junk",
        raw=raw_request(b"GET / HTTP/1.1", HOST, HTTPS, b"Cookie: ;;=;sessionid=\x01\x02;=="),
    ),
]

# `next` values that lead back to the login page, sent while logged in: Django's
# LoginView raised ValueError (a 500) for the first and looped on the others.
LOGIN_LOOPS = [
    "/accounts/login/",
    "/accounts/login/?next=/accounts/login/",
    "/accounts/login",
    f"https://{HEROKU_HOST}/accounts/login/",
    f"//{HEROKU_HOST}/accounts/login/",
    "/accounts//login/",
    "/%61ccounts/login/",
    "/accounts/./login/",
    ".",
]
NEXT_PROBES = [
    Probe(f"logged-in login with next={value}", f"/accounts/login/?next={quote(value)}", staff=True)
    for value in LOGIN_LOOPS
]

# Values of the session, CSRF and messages cookies that the app never issues, as
# bytes on the wire: Python's cookie parser turns a quoted "\000" into a NUL, and
# the server hands other bytes on as latin-1. Each must count as no cookie, except
# raw control characters, which gunicorn refuses with a 400 (RFC 9110 forbids them).
COOKIE_VALUES = {
    "octal NUL": b'"\\000aaaaaaaaaaaaaaaa"',
    "raw NUL": b"\x00" + b"a" * 31,
    "control characters": b"\x01\x1b\x7f" + b"a" * 29,
    "octal escapes": b'"' + b"\\377\\376" * 16 + b'"',
    "UTF-8": "é".encode() * 16,
    "invalid UTF-8": b"\xff\xfe" * 16,
    "very long": b"a" * 6000,
    "empty": b"",
    "quoted": b'"' + b"b" * 32 + b'"',
    "too short": b"a" * 31,
    "upper case": b"A" * 32,
}


def cookie_probes(name: str) -> list[Probe]:
    """One cookie of the app with each value it never issues: on pages (served as
    without it) and on a form post (the form's errors; without a CSRF cookie, a 403)."""
    csrf = name == "csrftoken"
    control = re.compile(rb"[\x00-\x1f\x7f]")
    body = b"username=admin&password=x"
    form = [
        b"Content-Type: application/x-www-form-urlencoded",
        b"Origin: https://" + HEROKU_HOST.encode(),
        b"X-CSRFToken: " + CSRF_SECRET.encode(),
        b"Content-Length: %d" % len(body),
    ]
    probes = []
    for label, value in COOKIE_VALUES.items():
        cookie = b"Cookie: " + name.encode() + b"=" + value
        for path in ("/", "/healthz", "/admin/login/"):
            request = raw_request(f"GET {path} HTTP/1.1".encode(), HOST, HTTPS, cookie)
            served = "refused" if control.search(value) else "served"
            probes.append(Probe(f"{name} cookie {label} on {path}", raw=request, expect=served))
        if not csrf:
            cookie += b"; csrftoken=" + CSRF_SECRET.encode()
        post = raw_request(
            b"POST /accounts/signup/ HTTP/1.1",
            HOST,
            HTTPS,
            cookie,
            *form,
            body=body,
        )
        probes.append(
            Probe(
                f"{name} cookie {label} on a form post",
                raw=post,
                expect="refused" if csrf or control.search(value) else "form error",
            )
        )
    return probes


# Every route in the site today, with the probes that fit it.
CORPUS: list[Probe] = [
    *slug_probes("/"),
    *slug_probes("/tour/"),
    *query_probes("/admin/auth/user/", "date_joined__gte", staff=True),
    Probe(
        "admin lookup across a relation", "/admin/auth/user/?groups__permissions__id=1", staff=True
    ),
    *slug_probes("/admin/auth/user/", "/change/", staff=True),
    *slug_probes("/admin/", "/"),
    *query_probes("/admin/media/versions/", "name", staff=True, values=BAD_STORAGE_NAMES),
    *post_field_probes(
        "/admin/media/versions/",
        "name",
        BAD_STORAGE_NAMES,
        other_fields="version_id=v",
        staff=True,
    ),
    *form_probes("/admin/login/", form_page=True),
    *form_probes("/debug/sentry-check"),
    *form_probes("/"),
    *query_probes("/products/", "page"),
    *query_probes("/products/", "sort"),
    *query_probes("/products/", "category"),
    *query_probes("/products/", "per_page", expect="clamped"),
    # The naive loop runs a query per product: n is clamped to one list page.
    *query_probes("/tour/prefetch/", "n", expect="clamped", clamp_max=24),
    *slug_probes("/products/"),
    *slug_probes("/categories/"),
    *form_probes("/products/"),
    *form_probes("/accounts/signup/", form_page=True),
    *form_probes("/accounts/login/", form_page=True),
    *form_probes("/accounts/profile/edit/"),
    *upload_probes("/accounts/profile/edit/", "avatar"),
    *form_probes("/accounts/password_reset/", form_page=True),
    *slug_probes("/companies/"),
    # A company the test's site has (tests/deploy/test_bad_input.py makes it).
    *query_probes("/companies/acme/", "page"),
    Probe("POST /healthz", "/healthz", "POST"),
    Probe("DELETE /healthz", "/healthz", "DELETE"),
    Probe("plain HTTP is redirected", "/", headers={"X-Forwarded-Proto": "http"}),
    Probe("staff page for a visitor", "/debug/sentry-check"),
    *host_probes("/"),
    *host_probes("/admin/login/"),
    *RAW_PROBES,
    *NEXT_PROBES,
    *cookie_probes("sessionid"),
    *cookie_probes("csrftoken"),
    *cookie_probes("messages"),
]
