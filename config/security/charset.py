"""Refuse a request whose Content-Type names a charset other than UTF-8, before Django reads it.

`Utf8Requests(application)` wraps the WSGI application (config/wsgi.py). Django
decodes the query string and form fields in the charset a request's
Content-Type names, on any request, a GET included, and parses that header
while it builds the request, before any middleware runs. So one header on any
URL was a 500:

- a codec Python knows that is not a text encoding (`charset=base64`, `rot13`,
  `zlib`) or a parameter Django cannot parse (RFC 2231's `x*=bogus''1`) raised
  while the request was being built: gunicorn's bare 500 page;
- one that decodes bytes to lone surrogates (`utf-7`, `unicode_escape`) let a
  value through that failed later, when the page holding it was encoded or
  psycopg2 was sent it (the login page's `next`, a signup's username);
- a narrow one (`us-ascii`, `cp1252`) failed when a value read in it was
  written back in it (the pager's links).

Browsers send UTF-8 and name no charset; Django itself refuses a urlencoded
form in any other. So such a request gets the 400 page at once, as does one
whose Content-Type parameters do not parse (whatever the parser raises), or
name a charset no lookup takes (RFC 2231's `charset*=utf-7''+2AA-` is a lone
surrogate, which Django's own lookup raised on). A charset Python does not know
at all is let through: Django ignores it and reads UTF-8. Outside Django's middleware on
purpose, like the body limit (config/security/bodylimit.py): Django fails while
building the request, before any middleware.
"""

import codecs

from django.utils.http import parse_header_parameters

from config.security.wsgi_pages import standalone_error


def readable(content_type: str) -> bool:
    """Whether Django can read a request with this Content-Type: its parameters
    parse, and a charset it names is UTF-8 (any spelling Python knows) or one
    Python does not know, which Django ignores, reading UTF-8."""
    try:
        _, parameters = parse_header_parameters(content_type)
    except Exception:
        # ValueError, LookupError (UnicodeError is a ValueError), and TypeError for a
        # parameter written both whole and in RFC 2231 parts (`x*=a; x*0=b`): what
        # the standard library's parser raises is not a list anyone keeps.
        return False
    charset = parameters.get("charset")
    try:
        return charset is None or codecs.lookup(charset).name == "utf-8"
    except LookupError:
        return True
    except ValueError:  # a name RFC 2231 decoded to a lone surrogate or a NUL
        return False


class Utf8Requests:
    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if not readable(environ.get("CONTENT_TYPE", "")):
            return standalone_error(environ, start_response, "400 Bad Request", "400_charset.html")
        return self.application(environ, start_response)
