"""Error pages answered by the WSGI wrappers of config/wsgi.py (the body limit, the
charset check) before Django builds a request: a template on standalone.html (no
request, no context processors) and the headers the site's own pages carry that
need no request."""

from django.template.loader import render_to_string

from config.security.headers import permissions_policy


def standalone_error(start_response, status: str, template: str, context=None) -> list[bytes]:
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
        ],
    )
    return [page]
