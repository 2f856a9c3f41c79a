"""Error pages answered by the WSGI wrappers of config/wsgi.py (the body limit, the
charset check) before Django builds a request: a template on standalone.html (no
request, no context processors) and the headers the site's own pages carry that
need no request. The pages load nothing, so their policy allows nothing. A HEAD
gets the headers and no body, as config/head.py gives Django's pages."""

from django.conf import settings
from django.template.loader import render_to_string

from config.security.headers import permissions_policy

# standalone.html: no style, script, image or form of its own.
POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


def standalone_error(
    environ, start_response, status: str, template: str, context=None
) -> list[bytes]:
    """Answer `status` with `template` rendered from `context` (see the module doc)."""
    page = render_to_string(template, context).encode()
    start_response(
        status,
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Length", str(len(page))),
            ("X-Content-Type-Options", "nosniff"),
            ("Cache-Control", "no-store"),
            ("Permissions-Policy", permissions_policy()),
            ("Content-Security-Policy", POLICY),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", settings.SECURE_REFERRER_POLICY),
            ("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY),
        ],
    )
    return [] if environ.get("REQUEST_METHOD") == "HEAD" else [page]
