"""The static-versioning tour shows the URLs as the demo serves them and as a deploy
will: each checked against what that configuration really links and serves."""

import html
import re

import pytest

from config.static_versioning.tour import EXAMPLE_ENVIRON
from tests.processes import ROUTER_HEADERS, built_and_released, serving

IMMUTABLE = "max-age=31536000, public, immutable"


def head_links(page: str) -> list[str]:
    """The stylesheet and script URLs the page's head links, in order."""
    head = page.split("</head>")[0]
    found = re.findall(r'<link rel="stylesheet" href="([^"]+)"|<script src="([^"]+)"', head)
    return [html.unescape(css or js) for css, js in found]


def shown(page: str) -> dict[str, list[str]]:
    """The URLs the asset list shows: the page's own (links) and the deployed ones."""
    urls = page.split('<dl class="asset-urls">')[1].split("</dl>")[0]
    return {
        "here": [
            html.unescape(url) for url in re.findall(r'<a class="url[^"]*" href="([^"]+)"', urls)
        ],
        "deployed": [
            html.unescape(url)
            for url in re.findall(r"<code class=\"url[^\"]*\" data-deployed>([^<]+)</code>", urls)
        ],
    }


@pytest.fixture
def demo_page(client, settings):
    """The page as the demo renders it: DEBUG on, files under their own names."""
    settings.DEBUG = True
    response = client.get("/tour/static-versioning/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_in_the_demo_the_page_shows_its_own_unhashed_urls(demo_page):
    urls = shown(demo_page)
    assert urls["here"] == head_links(demo_page)
    assert [url.split("?")[0] for url in urls["here"]] == [
        "/static/css/site.css",
        "/static/js/site.js",
    ]
    assert "this page, in this demo (DEBUG on" in demo_page


@pytest.mark.django_db
def test_the_deployed_urls_the_demo_shows_are_what_a_deploy_links_and_serves(demo_page):
    predicted = shown(demo_page)["deployed"]
    commit = EXAMPLE_ENVIRON["HEROKU_BUILD_COMMIT"]
    assert [url.rsplit("?v=", 1)[1] for url in predicted] == [commit[:7], commit[:7]]
    assert all(re.search(r"/site\.[0-9a-f]{12}\.(css|js)\?", url) for url in predicted)

    # Heroku's build (collectstatic) and release, then a dyno with the commit it sets.
    env = {**built_and_released("static_tour"), **EXAMPLE_ENVIRON}
    with serving(env) as web:
        deployed = web.get("/tour/static-versioning/", ROUTER_HEADERS)
        assert deployed.status == 200, web.output()
        assert head_links(deployed.text) == predicted
        assert shown(deployed.text)["here"] == predicted  # and it says so itself
        assert "this page, as deployed" in deployed.text
        for url in predicted:
            asset = web.get(url, ROUTER_HEADERS)
            assert asset.status == 200
            assert asset.headers["Cache-Control"] == IMMUTABLE
