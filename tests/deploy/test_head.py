"""HEAD requests, as uptime monitors send them, on the Procfile's web line: the
headers a GET would get, no body, and nothing for gunicorn to drop and warn about."""

import re

from tests.processes import ROUTER_HEADERS, built_and_released, serving

# Pages of every kind: rendered, cached, kept, errors, plain text, a form with a
# CSRF cookie, the tour, the health check.
PATHS = [
    "/",
    "/products/",
    "/products/",  # now from the page cache
    "/products/?sort=price",
    "/products/?page=9999",
    "/products/no-such-product/",
    "/robots.txt",
    "/healthz",
    "/accounts/login/",
    "/accounts/signup/",
    "/tour/",
    "/tour/prefetch/",
    "/no-such-page",
]


def test_head_answers_as_get_without_a_body():
    env = built_and_released("head")
    with serving(env, measured=True) as web:  # config/head.py runs here alone
        home = web.get("/", ROUTER_HEADERS)
        stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]+\.css)\?v=', home.text)
        assert stylesheet, home.text
        paths = [*PATHS, stylesheet.group(1)]
        for headers in (ROUTER_HEADERS, {**ROUTER_HEADERS, "Accept-Encoding": "gzip"}):
            for path in paths:
                # HEAD first: what it renders and keeps (page cache, kept content)
                # must still be whole for the GET after it.
                head = web.head(path, headers)
                got = web.get(path, headers)
                assert head.status == got.status, path
                assert got.body or got.status != 200, path
                for name in ("Content-Type", "Content-Encoding", "Cache-Control", "Vary"):
                    assert head.headers.get(name) == got.headers.get(name), (path, name)
                # Pages carry the query log's timings: a GET's length varies by a digit or so.
                assert "Content-Length" in head.headers, path
        assert web.head("/robots.txt", ROUTER_HEADERS).headers["Content-Length"] == str(
            len(web.get("/robots.txt", ROUTER_HEADERS).body)
        )
    # A client never reads a HEAD's body, and gunicorn sends none: what shows
    # that the app sent none is gunicorn's silence about it.
    output = web.output()
    assert "no-body response" not in output, output
    assert output.count('"HEAD ') == 2 * len(paths) + 1, output
