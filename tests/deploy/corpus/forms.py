"""Probes built per kind of URL: bad query values, slugs, form bodies, uploads, hosts."""

from urllib.parse import quote

from tests.deploy.corpus.probe import CSRF_SECRET, WITH_CSRF, Probe
from tests.images import ACCEPTED, REFUSED
from tests.processes import HEROKU_HOST

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
    """One probe per bad value of one query-string parameter. A NUL is refused on
    every URL, before any view reads the query (config/security/nul.py)."""
    return [
        Probe(
            f"{path}?{param}= {label}",
            f"{path}?{param}={value}",
            staff=staff,
            expect="refused" if "%00" in value else expect,
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


def form_probes(path: str) -> list[Probe]:
    """POSTs without a valid CSRF token, other methods, and bodies Django must refuse:
    refused on a form's page too."""
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
        *(
            # Django reads a form body in UTF-8 only; its own 400 page then read
            # it again and answered 500 (config/views.py).
            Probe(
                f"POST {path} form body in {charset}",
                path,
                "POST",
                {
                    **WITH_CSRF,
                    "Content-Type": f"application/x-www-form-urlencoded; charset={charset}",
                },
                fields,
            )
            for charset in ("utf8", "latin1", "utf-16")
        ),
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
            b'--xyz\r\nContent-Disposition: form-data; name="username"\r\n\r\nada\r\n'
            b'--xyz\r\nContent-Disposition: form-data; name="avatar"; filename="a.png"\r\n'
            b"Content-Type: image/png\r\n\r\n\x89PNG\r\n",
        ),  # no closing boundary: the 400 page, not a form of what came (formdata.py)
        Probe(
            f"POST {path} multipart cut short in its first part",
            path,
            "POST",
            {**WITH_CSRF, "Content-Type": "multipart/form-data; boundary=xyz"},
            b'--xyz\r\nContent-Disposition: form-data; name="avatar"; filename="a.png"\r\n'
            b"Content-Type: image/png\r\n\r\n\x89PNG\r\n",
        ),  # no whole part, so no field: the 400 page (config/security/formdata.py)
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
        ),  # no form at all: the 400 page, on a form page too (config/security/formdata.py)
    ]


def upload_probes(path: str, field: str, *others: str) -> list[Probe]:
    """Image files posted to a logged-in member's form (staff session, valid CSRF token),
    beside its `others` fields, empty, as a browser sends them: formats cameras
    write, which it must save, and files it must answer with its form."""
    photo = "photo.jpg"
    # 99 characters: the storage can shorten only what comes before a name's first dot.
    long_dotted = "a" + ".b" * 47 + ".jpg"
    files = {
        "camera MPO": (ACCEPTED["mpo (camera: two pictures)"][0], "saved", photo),
        "CMYK JPEG": (ACCEPTED["jpeg cmyk"][0], "saved", photo),
        "a long name with an early dot": (ACCEPTED["jpeg"][0], "saved", long_dotted),
        **{
            case: (REFUSED[case][0], "form error", photo)
            for case in (
                "truncated jpeg",
                "bmp",
                "decompression bomb",
                "gif animation over the pixel budget",
                "gif growing in a later frame",
                "gif of 1,001 tiny frames",
                "progressive jpeg of 5,000 scans",
            )
        },
    }
    boundary = "corpus-upload-boundary"
    multipart = {**WITH_CSRF, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    parts = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{other}"\r\n\r\n\r\n'
        for other in others
    )
    return [
        Probe(
            f"POST {path} {label} as {field}",
            path,
            "POST",
            multipart,
            f'{parts}--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode(),
            staff=True,
            expect=expect,
        )
        for label, (content, expect, filename) in files.items()
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


def scheme_probes(path: str, plain_http: str = "to https") -> list[Probe]:
    """gunicorn's other scheme headers beside the router's X-Forwarded-Proto, agreeing
    with it and not: the scheme is the router's alone. Over https the page is served;
    over plain HTTP it is what `plain_http` says (the redirect to https, or served
    for /healthz, which answers before the redirect)."""
    others = {"X-Forwarded-Ssl": ("on", "off"), "X-Forwarded-Protocol": ("ssl", "http")}
    return [
        Probe(
            f"{path} over {proto} with {name}: {value}",
            path,
            headers={"X-Forwarded-Proto": proto, name: value},
            expect="served" if proto == "https" else plain_http,
        )
        for proto in ("https", "http")
        for name, values in others.items()
        for value in values
    ]


def range_probes(path: str) -> list[Probe]:
    """Range headers on a static file (config/static_versioning/middleware.py): ends
    Python's int() reads but RFC 9110 does not, and a list of ranges (`0-1,`), are
    ignored (the file, 200); the last no bytes and ranges past the end are 416."""
    ignored = ["bytes=- 0", "bytes=-+0", "bytes=-0_0", "bytes=+0-0", "bytes=0_0-1", "bytes=0-1,"]
    refused = ["bytes=-0", "bytes=-000", "bytes=999999-", "bytes=5-3", f"bytes={'9' * 40}-"]
    return [
        *(
            Probe(f"{path} with Range: {value}", path, headers={"Range": value}, expect="served")
            for value in ignored
        ),
        *(
            Probe(f"{path} with Range: {value}", path, headers={"Range": value})
            for value in refused
        ),
    ]


def charset_probes(path: str) -> list[Probe]:
    """A Content-Type whose charset is not UTF-8, or whose parameters do not parse, on a
    GET with a query and on a form post past the CSRF check: Django would decode both
    in it (config/security/charset.py answers 400 first)."""
    content_types = {
        "a codec that is not text": "text/plain; charset=base64",
        "UTF-7 (lone surrogates)": "text/plain; charset=utf-7",
        "US-ASCII": "text/plain; charset=us-ascii",
        "an RFC 2231 parameter": "text/plain; x*=bogus''1",
        "a parameter whole and in RFC 2231 parts": "text/plain; x*=a; x*0=b",
    }
    query = "?next=/%2B2AA-&x=%FF&page=2&per_page=1"
    body = b'--B\r\nContent-Disposition: form-data; name="username"\r\n\r\n+2AA-\r\n--B--\r\n'
    return [
        *(
            Probe(f"GET {path} with {label}", path + query, headers={"Content-Type": value})
            for label, value in content_types.items()
        ),
        Probe(
            f"POST {path} multipart in UTF-7",
            path,
            "POST",
            {**WITH_CSRF, "Content-Type": "multipart/form-data; boundary=B; charset=utf-7"},
            body,
        ),
        Probe(
            f"POST {path} multipart whose part names a parameter whole and in parts",
            path,
            "POST",
            {**WITH_CSRF, "Content-Type": "multipart/form-data; boundary=B"},
            b"--B\r\nContent-Disposition: form-data; name*=a; name*0=b\r\n\r\nx\r\n--B--\r\n",
        ),
    ]
