"""Probes sent as raw bytes (what http.client refuses to send): bodies, request lines,
redirect loops, cookies the app never issued."""

import re
from urllib.parse import quote

from django.conf import settings

from tests.deploy.corpus.probe import CSRF_SECRET, Probe
from tests.processes import HEROKU_HOST


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

# X-Forwarded-Proto twice (a client's own, or a proxy's line before the router's):
# Django reads the first value, as it reads a list. gunicorn refused two that
# disagree with its bare 400 page, without the site's headers.
SCHEME_REPEATS = [
    Probe(
        "X-Forwarded-Proto twice, https then http",
        raw=raw_request(b"GET / HTTP/1.1", HOST, HTTPS, b"X-Forwarded-Proto: http"),
        expect="served",
    ),
    Probe(
        "X-Forwarded-Proto twice, http then https",
        raw=raw_request(b"GET / HTTP/1.1", HOST, b"X-Forwarded-Proto: http", HTTPS),
        expect="to https",
    ),
]

# What a browser or http.client would never send: malformed at the HTTP level.
# Gunicorn refuses most of these itself with a 400 before Django sees them.
RAW_PROBES = [
    Probe("null byte in the path", raw=raw_request(b"GET /tour/\x00 HTTP/1.1", HOST, HTTPS)),
    # What config/security/nul.py refuses behind another server, gunicorn refuses itself.
    Probe(
        "null byte in the query", raw=raw_request(b"GET /products/?q=\x00 HTTP/1.1", HOST, HTTPS)
    ),
    Probe(
        "null byte in a header",
        raw=raw_request(b"GET /accounts/login/ HTTP/1.1", HOST, HTTPS, b"User-Agent: a\x00b"),
    ),
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
        # The home page with a query it ignores, a 200 but for gunicorn's line limit.
        "request line of 6 KB",
        raw=raw_request(b"GET /?q=" + b"a" * 6000 + b" HTTP/1.1", HOST, HTTPS),
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
        # A client gone mid-body: what came is no form (config/security/bodylimit.py).
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
