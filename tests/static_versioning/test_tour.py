"""The static-versioning tour shows the URLs as the demo serves them and as a deploy
will: each checked against what that configuration really links and serves."""

import html
import json
import re

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.base import ContentFile
from django.core.management import call_command

from config.static_versioning import resolve
from config.static_versioning.tour import ASSETS, EXAMPLE_ENVIRON, deployed_url
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
def test_in_the_demo_the_files_are_sent_as_the_page_says(client, settings, demo_page):
    """Uncompressed, with a max-age of 0: what a learner checking the headers finds."""
    assert "uncompressed and with <code>Cache-Control: max-age=0</code>" in demo_page
    for url in shown(demo_page)["here"]:
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, br")
        assert response.status_code == 200
        assert response["Cache-Control"] == "max-age=0, public"
        assert "Content-Encoding" not in response


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
        # Not "from this dyno's config vars": without them it is the manifest's hash.
        assert "version from where the table above says" in deployed.text
        for url in predicted:
            asset = web.get(url, ROUTER_HEADERS)
            assert asset.status == 200
            assert asset.headers["Cache-Control"] == IMMUTABLE


@pytest.mark.django_db
def test_in_the_demo_a_config_var_gives_the_deployed_urls_version_as_a_deploy_does(
    client, settings
):
    """Rules 1 and 2 beat the commit on Heroku: the deployed URLs show this process's
    CSS_VERSION and STATIC_VERSION, not the example commit's."""
    settings.DEBUG = True
    settings.STATIC_ASSET_VERSIONS = resolve({"CSS_VERSION": "c2", "STATIC_VERSION": "s1"})
    page = client.get("/tour/static-versioning/").content.decode()
    assert [url.rsplit("?v=", 1)[1] for url in shown(page)["deployed"]] == ["c2", "s1"]

    commit = "0123456789abcdef0123456789abcdef01234567"
    settings.STATIC_ASSET_VERSIONS = resolve({"HEROKU_BUILD_COMMIT": commit})
    page = client.get("/tour/static-versioning/").content.decode()
    assert [url.rsplit("?v=", 1)[1] for url in shown(page)["deployed"]] == ["0123456"] * 2


# Stylesheets naming other files, each case's css/site.css and the files beside it.
NAMING_FILES = {
    "url() and @import, fragments, data: URIs": {
        "css/site.css": (
            '@import url("parts/more.css");\n'
            'body { background: url("../img/dot.svg") no-repeat; }\n'
            ".icon { background: url('../img/dot.svg#top'); }\n"
            '.font { src: url("../img/dot.svg?#iefix"); }\n'
            '.inline { background: url("data:image/png;base64,AAAA"); }\n'
        ),
        "css/parts/more.css": 'a { cursor: url("../../img/dot.svg"); }',
    },
    "a query string": {"css/site.css": '@font-face { src: url("../img/dot.svg?v=1"); }'},
    "spaces inside url()": {"css/site.css": "a { background: url( ../img/dot.svg ); }"},
    "a source map comment": {"css/site.css": "a {}\n/*# sourceMappingURL=../img/dot.svg */"},
    "imports meeting again": {
        "css/site.css": '@import "a.css";\n@import "b.css";',
        "css/a.css": '@import "c.css";',
        "css/b.css": '@import "c.css";',
        "css/c.css": 'a { background: url("../img/dot.svg"); }',
    },
}
# What collectstatic stops at: the tour says so rather than show a URL (or fail).
STOPS_COLLECTSTATIC = {
    "a file it names is missing": {"css/site.css": 'a { background: url("../img/no.png"); }'},
    "text that is not UTF-8": {"css/site.css": "a { content: '\xe9'; }".encode("latin-1")},
    "a stylesheet importing itself": {"css/site.css": '@import "site.css";'},
    "two importing each other": {
        "css/site.css": '@import "other.css";',
        "css/other.css": '@import "site.css";',
    },
}


@pytest.fixture
def static_files(settings, tmp_path):
    """`static_files(files)`: a static folder of `files` (and an image and a script),
    the only one the finders look in, collected into a STATIC_ROOT of its own."""

    def make(files: dict[str, str | bytes]):
        static = tmp_path / "static"
        written = {
            "img/dot.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
            "js/site.js": "//# sourceMappingURL=site.js.map\n",
            "js/site.js.map": "{}",
            **files,
        }
        for path, content in written.items():
            (static / path).parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                (static / path).write_bytes(content)
            else:
                (static / path).write_text(content)
        settings.STATICFILES_DIRS = [static]
        settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
        settings.STATIC_ROOT = tmp_path / "collected"
        settings.DEBUG = True

    return make


def collectstatic(settings) -> dict[str, str]:
    call_command("collectstatic", interactive=False, verbosity=0)
    return json.loads((settings.STATIC_ROOT / "staticfiles.json").read_text())["paths"]


@pytest.mark.django_db
@pytest.mark.parametrize("case", NAMING_FILES)
def test_the_deployed_name_of_a_stylesheet_naming_files_is_collectstatics(
    settings, static_files, case
):
    """A fork's first edit is often a background image: collectstatic hashes the
    stylesheet after rewriting its url() and @import to the files' hashed names."""
    static_files(NAMING_FILES[case])
    predicted = {path: deployed_url(path) for path in ASSETS}

    collected = collectstatic(settings)
    source = (settings.STATICFILES_DIRS[0] / "css" / "site.css").read_bytes()
    assert collected["css/site.css"] != staticfiles_storage.hashed_name(
        "css/site.css", ContentFile(source)
    )  # the rewrite changed the hash
    for path, url in predicted.items():
        assert url.split("?v=")[0] == settings.STATIC_URL + collected[path]


@pytest.mark.django_db
@pytest.mark.parametrize("case", STOPS_COLLECTSTATIC)
def test_where_collectstatic_would_stop_the_tour_says_so(client, settings, static_files, case):
    static_files(STOPS_COLLECTSTATIC[case])
    page = client.get("/tour/static-versioning/")
    assert page.status_code == 200
    [css, js] = shown(page.content.decode())["deployed"]
    assert css.startswith("none: collectstatic would stop here (")
    assert re.fullmatch(r"/static/js/site\.[0-9a-f]{12}\.js\?v=2f9c4e1", js)
    with pytest.raises((ValueError, RuntimeError)):  # RuntimeError: passes run out
        collectstatic(settings)
