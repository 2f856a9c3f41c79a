"""Build, release and run the app the way Heroku does, then stop it the way Heroku does.

1. Build: `collectstatic --noinput` with the app's config vars and no reachable database.
2. Release phase: the Procfile's `release` line.
3. Dyno: the Procfile's `web` line on `$PORT`, behind a router that ends TLS.
4. Shutdown: SIGTERM, then SIGKILL after 30 s.
"""

import re

import pytest

from config import gunicorn as web_config
from tests.pages import query_count
from tests.processes import (
    BASE_DIR,
    HEROKU_HOST,
    ROUTER_HEADERS,
    built_and_released,
    disk_state,
    listening_addresses,
    serving,
    start_web,
)

WORKERS = web_config.workers  # WEB_CONCURRENCY is unset here: config/gunicorn.py's default


@pytest.fixture(scope="module")
def released_app():
    """A production environment whose database has been through the release phase,
    with the query log on as the demo deployment sets it (app.json): the page cache
    check below reads each page's query count from its Server-Timing header."""
    return {**built_and_released("heroku_flow", run_release=True), "QUERY_LOG": "on"}


def test_production_shows_no_query_log_unless_asked(released_app):
    """QUERY_LOG unset: no footer and no Server-Timing for anyone (they are internals)."""
    env = {key: value for key, value in released_app.items() if key != "QUERY_LOG"}
    with serving(env) as web:
        for path in ("/", "/products/", "/tour/", "/healthz"):
            page = web.get(path, ROUTER_HEADERS)
            assert page.status == 200, (path, web.output())
            assert "Server-Timing" not in page.headers, path
            assert "data-query-count" not in page.text, path
            assert 'class="query-log"' not in page.text, path


def test_web_line_serves_pages_static_files_and_health_then_stops_on_sigterm(released_app):
    # Cached pages outlive the requests below however slow the machine (10 s by default).
    web = start_web({**released_app, "PAGE_CACHE_SECONDS": "600"})
    try:
        web.wait_until_serving()

        home = web.get("/", ROUTER_HEADERS)
        assert home.status == 200, web.output()
        assert "Strict-Transport-Security" in home.headers

        stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)\?v=', home.text)
        assert stylesheet, home.text
        css = web.get(stylesheet.group(1), {**ROUTER_HEADERS, "Accept-Encoding": "gzip"})
        assert css.status == 200
        assert css.headers["Content-Type"].startswith("text/css")
        assert "max-age=31536000" in css.headers["Cache-Control"]
        assert "immutable" in css.headers["Cache-Control"]
        assert css.headers.get("Content-Encoding") == "gzip"

        # Each worker renders the anonymous product list once, then serves it from
        # its page cache (catalog/pagecache.py) without a query.
        lists = [web.get("/products/", ROUTER_HEADERS) for _ in range(WORKERS + 2)]
        outcomes = [page.headers["X-Page-Cache"] for page in lists]
        assert [page.status for page in lists] == [200] * len(lists)
        assert sorted(set(outcomes)) == ["hit", "miss"], outcomes
        assert outcomes.count("miss") <= WORKERS, outcomes
        for page, outcome in zip(lists, outcomes, strict=True):
            ran_queries = query_count(page.headers["Server-Timing"]) > 0
            assert ran_queries == (outcome == "miss"), (outcome, page.headers["Server-Timing"])

        health = web.get("/healthz", ROUTER_HEADERS)
        assert health.status == 200
        assert health.text == '{"database": "ok"}'

        # Without the router's header the request is plain HTTP: redirect to HTTPS.
        plain = web.get("/", {"Host": HEROKU_HOST})
        assert plain.status == 301
        assert plain.headers["Location"] == f"https://{HEROKU_HOST}/"
    finally:
        seconds = web.stop()
    assert web.process.returncode == 0, web.output()
    assert seconds < 30
    # The access log carries the router's request id.
    assert "request_id=req-42" in web.output()


def test_web_line_binds_whatever_port_heroku_gives(released_app):
    webs = [start_web(released_app), start_web(released_app)]
    try:
        for web in webs:
            web.wait_until_serving()
            # Every interface, IPv6 and IPv4: Heroku's router reaches the dyno from outside.
            assert listening_addresses(web.port) == {"::"}
            assert web.get("/healthz", ROUTER_HEADERS).status == 200
            # A Host the app does not serve is refused (ALLOWED_HOSTS).
            unknown = {"Host": "evil.example", "X-Forwarded-Proto": "https"}
            assert web.get("/", unknown).status == 400
        assert webs[0].port != webs[1].port
        # Other mistakes of a client: a NUL in the query, more fields than Django takes.
        assert webs[0].get("/products/?q=%00", ROUTER_HEADERS).status == 400
        assert webs[0].get("/products/?" + "&".join(["a"] * 1001), ROUTER_HEADERS).status == 400
    finally:
        for web in webs:
            web.stop()
    # A 400 in the access log, and no DisallowedHost record with its traceback
    # (docs/production.md): bots scanning addresses are no news. Other client
    # mistakes are one line each, without the traceback Django logs them with.
    output = webs[0].output()
    assert '"GET / HTTP/1.1" 400' in output
    assert "Invalid HTTP_HOST header" not in output
    assert "WARNING django.request: A NUL character in the query string." in output
    assert "ERROR django.security.TooManyFieldsSent: The number of GET/POST" in output
    assert "Traceback" not in output


def test_a_dyno_writes_nothing_into_the_app(released_app):
    """On a dyno HOME is /app, the app itself: nothing may land there at run time."""
    before = disk_state(BASE_DIR)
    web = start_web({**released_app, "HOME": str(BASE_DIR)})
    try:
        web.wait_until_serving()
        for path in ("/", "/products/", "/healthz", "/accounts/login/"):
            assert web.get(path, ROUTER_HEADERS).status == 200, web.output()
        assert disk_state(BASE_DIR) == before
    finally:
        web.stop()
    assert web.process.returncode == 0, web.output()
    assert disk_state(BASE_DIR) == before
