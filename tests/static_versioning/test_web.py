"""The Procfile's web line, booted with different STATIC_VERSION config vars.

This is what `heroku config:set STATIC_VERSION=...` does: the dynos restart with the
new value and every page links new URLs, while WhiteNoise keeps serving the same
hashed, compressed files with the immutable cache header.
"""

import html
import re

import pytest

from tests.processes import (
    BASE_DIR,
    ROUTER_HEADERS,
    built_and_released,
    run_procfile,
    serving,
    start_web,
)

IMMUTABLE = "max-age=31536000, public, immutable"


@pytest.fixture(scope="module")
def released_app():
    return built_and_released("static_versions")


def linked_assets(env: dict[str, str]) -> dict[str, dict[str, str]]:
    """Boot the web line, read the home page's asset URLs and fetch each one.

    Returns each URL with the response headers it was served with.
    """
    with serving(env) as web:
        home = web.get("/", ROUTER_HEADERS)
        assert home.status == 200, web.output()
        urls = [
            html.unescape(url) for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', home.text)
        ]
        served = {}
        for url in urls:
            asset = web.get(url, {**ROUTER_HEADERS, "Accept-Encoding": "gzip, br"})
            assert asset.status == 200, url
            served[url] = asset.headers
        # The unhashed name is still served (for references outside templates), briefly cached.
        unhashed = web.get("/static/css/site.css?v=any", ROUTER_HEADERS)
        assert unhashed.status == 200
        assert "immutable" not in unhashed.headers["Cache-Control"]
        return served


def test_a_new_static_version_gives_new_urls_for_the_same_immutable_files(released_app):
    first = linked_assets({**released_app, "STATIC_VERSION": "a1"})
    second = linked_assets({**released_app, "STATIC_VERSION": "b2"})

    css, icon, js = sorted(first)
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css\?v=a1", css)
    assert re.fullmatch(r"/static/img/favicon\.[0-9a-f]{12}\.svg\?v=a1", icon)
    assert re.fullmatch(r"/static/js/site\.[0-9a-f]{12}\.js\?v=a1", js)
    assert sorted(second) == [url.replace("v=a1", "v=b2") for url in (css, icon, js)]

    for headers in (*first.values(), *second.values()):
        assert headers["Cache-Control"] == IMMUTABLE
        assert headers["Content-Encoding"] == "br"
        assert headers["Vary"] == "Accept-Encoding"
    assert first[css]["Content-Type"] == 'text/css; charset="utf-8"'
    assert first[js]["Content-Type"] == 'text/javascript; charset="utf-8"'


def test_per_kind_config_vars_version_stylesheets_and_scripts_apart(released_app):
    served = linked_assets({**released_app, "STATIC_VERSION": "s1", "JS_VERSION": "j9"})
    assert sorted(url.rsplit("?", 1)[1] for url in served) == ["v=j9", "v=s1", "v=s1"]


def test_a_static_version_unsafe_in_a_url_stops_the_web_process(released_app):
    web = start_web({**released_app, "STATIC_VERSION": "a b<"})
    try:
        returncode = web.process.wait(timeout=30)
    finally:
        if web.process.poll() is None:
            web.stop()
    output = web.output()
    assert returncode != 0
    # One line, as the release phase says it (config/wsgi.py), not a traceback.
    assert output.startswith("Error: STATIC_VERSION must be 1 to 64 of the characters"), output
    assert output.count("\n") == 1, output
    assert "got 'a b<'" in output
    # The line docs/static-versioning.md shows, for the release phase and a web process.
    docs = (BASE_DIR / "docs" / "static-versioning.md").read_text()
    said = "takes requests) print it as one line, without a traceback, for example:"
    assert f"{said}\n\n```\n{output}```" in docs


def test_a_static_version_unsafe_in_a_url_fails_the_release_phase(released_app):
    # `heroku config:set` runs the release phase first: failing there keeps the old release up.
    release = run_procfile("release", {**released_app, "CSS_VERSION": "v1;drop"})
    assert release.returncode != 0
    assert "Error: CSS_VERSION must be 1 to 64 of the characters" in release.stderr
