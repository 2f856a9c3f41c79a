"""The bad-input corpus: malformed requests the site must refuse cleanly.

Each entry is a `Probe`; tests/deploy/test_bad_input.py sends them all to the
running web process and expects every answer to be a refusal, 3xx or 4xx (never
5xx), with no row written anywhere. The exceptions: a form page that got a
well-formed request with a valid CSRF token and a body that is garbage answers
with the form again and its errors (`expect="form error"`); a page sent with a
cookie the app never issued is served as without it (`expect="served"`); and
images in the formats cameras write (MPO, CMYK JPEG), which once were a 500, are
posted to the avatar form and must be saved (`expect="saved"`), each recording
the avatar it replaced as an earlier file (config/media/forms.py).

Helpers build the probes for one kind of URL, so a new route joins with one
line in `CORPUS`, e.g. for a paginated list, a detail page and a form:

    *query_probes("/products/", "page"),
    *slug_probes("/products/"),
    *form_probes("/accounts/signup/"),

A Content-Type naming a charset other than UTF-8 is refused on pages that read
the query or a form (`charset_probes`).

Left out on purpose: the admin's changelist answers a bad `?p=` with a valid
page (200), so it is no page-number target; gunicorn answers an unknown
Transfer-Encoding with 501, as RFC 9112 asks, before the app sees it.
"""

from tests.deploy.corpus.forms import (
    BAD_STORAGE_NAMES,
    charset_probes,
    form_probes,
    host_probes,
    post_field_probes,
    query_probes,
    range_probes,
    scheme_probes,
    slug_probes,
    upload_probes,
)
from tests.deploy.corpus.probe import CSRF_SECRET, WITH_CSRF, Probe
from tests.deploy.corpus.raw import NEXT_PROBES, RAW_PROBES, SCHEME_REPEATS, cookie_probes

__all__ = ["CORPUS", "CSRF_SECRET", "WITH_CSRF", "Probe"]

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
    *form_probes("/admin/login/"),
    *form_probes("/debug/sentry-check"),
    *form_probes("/"),
    Probe(
        "POST a missing page, form body in latin1",
        "/no-such-page/",
        "POST",
        {**WITH_CSRF, "Content-Type": "application/x-www-form-urlencoded; charset=latin1"},
        b"a=1",
    ),
    *query_probes("/products/", "page"),
    *query_probes("/products/", "sort"),
    *query_probes("/products/", "category"),
    *query_probes("/products/", "per_page", expect="clamped"),
    # The naive loop runs a query per product: n is clamped to one list page.
    *query_probes("/tour/prefetch/", "n", expect="clamped", clamp_max=24),
    *slug_probes("/products/"),
    *slug_probes("/categories/"),
    *form_probes("/products/"),
    *form_probes("/accounts/signup/"),
    *form_probes("/accounts/login/"),
    *form_probes("/accounts/profile/edit/"),
    *upload_probes("/accounts/profile/edit/", "avatar", "display_name", "bio"),
    *form_probes("/accounts/password_reset/"),
    # Reset links as mail clients and people break them: a bad user id, a bad token.
    *slug_probes("/accounts/reset/", "/set-password/"),
    *slug_probes("/accounts/reset/MQ/", "/"),
    Probe("reset link, user id past bigint", "/accounts/reset/OTk5OTk5OTk5OTk5OTk5OTk5OTk5/x-y/"),
    Probe("reset link, token without its dash", "/accounts/reset/MQ/abc/"),
    Probe("reset link, token with a 14-digit time", "/accounts/reset/MQ/99999999999999-abc/"),
    *slug_probes("/companies/"),
    # A company the test's site has (tests/deploy/test_bad_input.py makes it).
    *query_probes("/companies/acme/", "page"),
    Probe("POST /healthz", "/healthz", "POST"),
    Probe("DELETE /healthz", "/healthz", "DELETE"),
    Probe("plain HTTP is redirected", "/", headers={"X-Forwarded-Proto": "http"}),
    Probe("staff page for a visitor", "/debug/sentry-check"),
    *host_probes("/"),
    # Headers gunicorn takes the WSGI path from when the peer is trusted, which on
    # Heroku is every peer (the buildpack exports FORWARDED_ALLOW_IPS='*'): a
    # client's SCRIPT_NAME served the home page under a product's URL (and kept
    # it under that page's key), one that was no prefix of the path a bare 500.
    Probe(
        "SCRIPT_NAME header naming the path",
        "/products/no-such-product/",
        headers={"SCRIPT_NAME": "/products/no-such-product"},
    ),
    Probe("PATH_INFO header", "/products/no-such-product/", headers={"PATH_INFO": "/"}),
    Probe(
        "SCRIPT_NAME header, no prefix",
        "/products/no-such-product/",
        headers={"SCRIPT_NAME": "/x"},
    ),
    # The scheme headers gunicorn reads from a trusted peer (every peer, as above)
    # besides the router's X-Forwarded-Proto: one that contradicted it was
    # gunicorn's bare 400 page, never the site's, on every path. A proxy in front
    # that adds `X-Forwarded-Ssl: on` turned every plain HTTP request into one.
    *scheme_probes("/"),
    *scheme_probes("/healthz", plain_http="served"),
    *SCHEME_REPEATS,
    *host_probes("/admin/login/"),
    *charset_probes("/accounts/login/"),
    *charset_probes("/accounts/signup/"),
    *charset_probes("/products/"),
    *charset_probes("/companies/acme/"),
    *range_probes("/static/css/site.css"),
    *RAW_PROBES,
    *NEXT_PROBES,
    *cookie_probes("sessionid"),
    *cookie_probes("csrftoken"),
    *cookie_probes("messages"),
]
