"""A Content-Type naming a charset other than UTF-8 gets the 400 page before Django reads
the request (config/security/charset.py), through the WSGI application the web line
serves: every codec of Python's alias table and the ones that are no text encoding,
on a GET with a query, and on form posts."""

import codecs
import encodings.aliases
import io
from wsgiref.util import setup_testing_defaults

import pytest
from django.middleware.csrf import CSRF_SESSION_KEY
from django.test import Client

from config.security.charset import readable
from config.wsgi import application

# The handler's request signals check this worker's database connection, if it has one.
pytestmark = pytest.mark.django_db


def known(charset: str) -> bool:
    try:
        codecs.lookup(charset)
    except LookupError:  # "mbcs" exists on Windows only
        return False
    return True


UTF8_SPELLINGS = ["utf-8", "UTF-8", "utf8", "U8", "cp65001", '"utf-8"', "utf_8"]
# Every codec of Python's alias table that this Python has, and the ones that are
# no text encoding; a name Python does not know at all is let through (below).
CODECS = sorted(
    name
    for name in {
        *encodings.aliases.aliases.values(),
        *("utf_7", "unicode_escape", "raw_unicode_escape", "punycode", "idna", "undefined"),
        *("base64_codec", "hex_codec", "rot_13", "zlib_codec", "bz2_codec", "quopri_codec"),
        *("uu_codec", "us-ascii", "latin-1", "utf-16", "utf-8-sig"),
    }
    - {"utf_8"}
    if known(name)
)
# A lone surrogate in UTF-7 and in escapes, a byte no UTF-8 has, and a plain value.
QUERY = "next=/%2B2AA-&name=%5Cud800&x=%FF&page=2"


def call(
    content_type: str, method: str = "GET", body: bytes = b"", **headers: str
) -> tuple[str, bytes]:
    environ = {}
    setup_testing_defaults(environ)
    environ.update(
        {
            "REQUEST_METHOD": method,
            "PATH_INFO": "/robots.txt",
            "QUERY_STRING": QUERY,
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_HOST": "localhost",
            **headers,
        }
    )
    environ["wsgi.input"] = io.BytesIO(body)
    answered = []
    chunks = application(environ, lambda status, headers: answered.append(status))
    content = b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    return answered[0], content


@pytest.mark.parametrize("charset", CODECS)
def test_any_other_charset_is_refused_before_django_reads_the_request(charset):
    status, page = call(f"text/plain; charset={charset}")
    assert status == "400 Bad Request"
    assert b"reads requests in\nUTF-8 only" in page


@pytest.mark.parametrize("charset", ["utf-7", "base64", "us-ascii"])
def test_a_multipart_post_in_another_charset_is_refused(charset):
    body = b'--B\r\nContent-Disposition: form-data; name="username"\r\n\r\n+2AA-\r\n--B--\r\n'
    status, _ = call(f"multipart/form-data; boundary=B; charset={charset}", "POST", body)
    assert status == "400 Bad Request"


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain; x*=bogus''1",  # RFC 2231, a charset Python does not know
        "text/plain; x*=undefined''a",  # one that refuses to decode anything
        "text/plain; charset*=utf-8''base64",  # RFC 2231 spelling of charset=base64
        "text/plain; charset=utf-8; charset=utf-7",  # the last one counts
        # RFC 2231 values that decode to a name no lookup takes: codecs.lookup()
        # raised UnicodeEncodeError or ValueError, not LookupError, out of the
        # WSGI wrapper: gunicorn's bare 500, and an error event in Sentry.
        "text/plain; charset*=utf-7''+2AA-",  # a lone surrogate
        "text/plain; charset*=unicode_escape''%5cud800",
        "text/plain; charset*=utf-8''a%00",  # a NUL
    ],
)
def test_parameters_django_cannot_read_are_refused(content_type):
    assert not readable(content_type)
    status, _ = call(content_type)
    assert status == "400 Bad Request"


@pytest.mark.parametrize("charset", UTF8_SPELLINGS)
def test_utf8_in_any_spelling_is_served(charset):
    assert readable(f"text/plain; charset={charset}")
    status, page = call(f"text/plain; charset={charset}")
    assert status == "200 OK"
    assert page.startswith(b"User-agent")


@pytest.mark.parametrize(
    "content_type",
    [
        "",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=B",
        "text/plain",
        # Charsets Python does not know: Django ignores them and reads UTF-8.
        "text/plain; charset=no-such-charset",
        "text/plain; charset=unicode-1-1-utf-8",
        "text/plain; charset=",
    ],
)
def test_no_charset_is_served(content_type):
    assert readable(content_type)
    assert call(content_type)[0] == "200 OK"


# RFC 2231 writes a parameter either whole (x*=) or in numbered parts (x*0=, x*1=);
# given both, Python's email.utils.decode_params compares None with 0 and raises
# TypeError, which Django's parse_header_parameters lets out.
BOTH_SPELLINGS = ["x*=a; x*0=b", "x*0=a; x*=b", "x*0*=utf-8''a; x*=b", "name*=a; name*0=b"]


@pytest.mark.parametrize("parameters", BOTH_SPELLINGS)
def test_a_parameter_spelled_whole_and_in_parts_is_refused(parameters):
    """Out of the WSGI wrapper: gunicorn's bare 500 on any URL, and a traceback logged."""
    assert not readable(f"text/plain; {parameters}")
    assert call(f"text/plain; {parameters}")[0] == "400 Bad Request"


@pytest.mark.parametrize("parameters", BOTH_SPELLINGS)
@pytest.mark.parametrize("header", ["Content-Disposition: form-data", "Content-Type: text/plain"])
def test_a_form_part_whose_header_does_not_parse_is_the_400_page(header, parameters):
    """A part's own header is parsed when the form is read (by the CSRF check, on any
    POST with a CSRF cookie): the TypeError was a 500 and an error event in Sentry."""
    part_header = f"{header}; {parameters}"
    if header.startswith("Content-Type"):
        part_header = f'Content-Disposition: form-data; name="bio"\r\n{part_header}'
    body = f"--B\r\n{part_header}\r\n\r\nvalue\r\n--B--\r\n".encode()
    status, page = call(
        "multipart/form-data; boundary=B", "POST", body, HTTP_COOKIE="csrftoken=" + "a" * 32
    )
    assert status == "400 Bad Request"
    assert b"Bad request" in page or b"400" in page


def test_a_csrf_exempt_view_reads_its_own_body(client, settings):
    """The form is read where the CSRF check would read it, and nowhere else: a
    webhook that reads request.body got Django's RawPostDataException (a 500)
    once the body had been parsed for it."""
    settings.ROOT_URLCONF = "tests.security.urls_csrf_exempt"
    body = b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\nx\r\n--B--\r\n'
    response = client.post("/webhook/", body, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 200
    assert response.content == str(len(body)).encode()


def test_a_form_part_that_does_not_parse_is_the_400_page_with_csrf_in_the_session(settings):
    """CSRF_USE_SESSIONS (a fork's choice) keeps the token in the session, with no
    CSRF cookie: the form was left to the CSRF check, which raised the TypeError."""
    settings.CSRF_USE_SESSIONS = True
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    session = client.session
    session[CSRF_SESSION_KEY] = "a" * 32
    session.save()
    body = b"--B\r\nContent-Disposition: form-data; name*=a; name*0=b\r\n\r\nx\r\n--B--\r\n"
    response = client.post("/accounts/login/", body, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 400
