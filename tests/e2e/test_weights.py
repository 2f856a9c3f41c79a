"""Each page's weight for a first-time visitor, and the queries it runs.

Weight is what Chromium counts as received for the page's HTML, CSS, JS and
image responses (`responseBodySize`: the body as transferred, so compressed when
the server compressed it; headers excluded), in a fresh 1280 x 800 context with
nothing cached, once the page is quiet. Images are the favicon and the product
pictures and avatars the page shows from the media bucket; lazy ones below the
first screen are not loaded, so the table also gives how many `<img>` the page
has and how many were fetched. Queries come from the page's Server-Timing header.
Three pages load at a time, each in its own context; each starts once the one
before it has its response.

The table goes to test-artifacts/page-weights.md; docs/demo-site.md keeps a copy.
"""

from contextlib import ExitStack
from dataclasses import dataclass

from tests.e2e.conftest import ARTIFACTS, DESKTOP, ROUTER_HEADERS
from tests.e2e.test_pages import PAGES
from tests.e2e.test_scenarios import server_timing_query_count

MAX_PAGE_BYTES = 100 * 1024
# HTML, CSS and JS alone, without the pictures (README.md, "The demo site").
MAX_TEXT_BYTES = 10 * 1024
# A catalog or account page: at most 4 queries of its own (a category page: the
# category, then a list's count, products and features), plus the session and the
# user (one query, with profile and company) when logged in. Tour pages run their
# live demonstrations on top, so only their weight is bounded.
MAX_PAGE_QUERIES = 4
LOGGED_IN_QUERIES = 2
# Pages that show product pictures (every seeded product has one).
PICTURED = {"home", "products", "products-page-2", "product", "category"}
COUNTED = {"document": "html", "stylesheet": "css", "script": "js", "image": "img"}


@dataclass
class Weight:
    name: str
    path: str
    html_raw: int
    html: int = 0
    css: int = 0
    js: int = 0
    img: int = 0
    images_shown: int = 0  # <img> elements on the page
    images_loaded: int = 0  # image responses received (lazy ones below the fold wait)
    queries: int = 0
    from_page_cache: bool = False  # an anonymous list page rendered by an earlier visit

    @property
    def total(self) -> int:
        return self.html + self.css + self.js + self.img


def kilobytes(size: int) -> str:
    return f"{size / 1024:.1f}"


def table(weights: list[Weight]) -> str:
    lines = [
        "| page | path | HTML (KB) | HTML uncompressed (KB) | CSS (KB) | JS (KB) "
        "| images (KB) | images shown / loaded | total (KB) | queries |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    lines += [
        f"| {w.name} | `{w.path}` | {kilobytes(w.html)} | {kilobytes(w.html_raw)} "
        f"| {kilobytes(w.css)} | {kilobytes(w.js)} | {kilobytes(w.img)} "
        f"| {w.images_shown} / {w.images_loaded} | {kilobytes(w.total)} "
        f"| {w.queries}{' (page cache)' if w.from_page_cache else ''} |"
        for w in weights
    ]
    return "\n".join(lines) + "\n"


class PageLoad:
    """One page loading in `context`, counting what it receives."""

    def __init__(self, context, name: str, path: str):
        self.name, self.path = name, path
        self.page = context.new_page()
        self.finished = []
        self.page.on("requestfinished", lambda request: self.finished.append(request))
        # Back once the response's headers are in, while the page loads on.
        self.response = self.page.goto(path, wait_until="commit")

    def weight(self) -> Weight:
        """The page's weight once it is quiet (no request for 500 ms)."""
        self.page.wait_for_load_state("networkidle")
        weight = Weight(self.name, self.path, html_raw=len(self.response.body()))
        weight.images_shown = self.page.locator("img").count()
        weight.queries = server_timing_query_count(self.response)
        weight.from_page_cache = self.response.headers.get("x-page-cache") == "hit"
        for request in self.finished:
            kind = COUNTED.get(request.resource_type)
            if kind:
                setattr(weight, kind, getattr(weight, kind) + request.sizes()["responseBodySize"])
            if kind == "img" and "favicon" not in request.url:
                weight.images_loaded += 1
        return weight


# Pages loading at once. Over TLS, as here, gunicorn's threaded worker holds a thread
# for a new connection from its handshake until its first request, and Chromium
# opens connections before it uses them: with all 18 pages at once, navigations
# waited out their 30 s timeout on the site's 10 threads. (Heroku's router speaks
# plain HTTP to the dyno, where a new connection that sends nothing gives its
# thread back after 5 s.)
AT_ONCE = 3


def measure_all(chromium, site, pages) -> list[Weight]:
    """The weight of each of `pages` ((name, path, storage state) triples), each in a
    fresh context, AT_ONCE at a time in their order: their waits for quiet overlap."""
    weights = []
    for first in range(0, len(pages), AT_ONCE):
        with ExitStack() as contexts:
            loads = []
            for name, path, storage_state in pages[first : first + AT_ONCE]:
                context = chromium.new_context(
                    base_url=site.base_url,
                    extra_http_headers=ROUTER_HEADERS,
                    viewport=DESKTOP,
                    storage_state=storage_state,
                )
                contexts.callback(context.close)
                loads.append(PageLoad(context, name, path))
            weights += [load.weight() for load in loads]
    return weights


def test_every_page_is_light_and_its_query_count_is_recorded(chromium, site, slugs, user_session):
    weights = measure_all(
        chromium,
        site,
        [(name, path.format(**slugs), user_session if who else None) for name, path, who in PAGES],
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "page-weights.md").write_text(table(weights))

    assert all(w.html and w.css and w.js for w in weights), table(weights)
    assert max(w.total for w in weights) < MAX_PAGE_BYTES, table(weights)
    assert max(w.total - w.img for w in weights) < MAX_TEXT_BYTES, table(weights)
    for weight in weights:
        if weight.name in PICTURED:
            assert weight.images_shown, table(weights)
            assert weight.images_loaded, table(weights)
        assert weight.images_loaded <= weight.images_shown, table(weights)
    # The app compresses every page (Heroku's router would not).
    assert all(w.html < w.html_raw for w in weights), table(weights)
    for weight, (_, _, who) in zip(weights, PAGES, strict=True):
        if not weight.name.startswith("tour"):
            allowed = MAX_PAGE_QUERIES + (LOGGED_IN_QUERIES if who else 0)
            assert weight.queries <= allowed, table(weights)
        if weight.from_page_cache:
            assert weight.queries == 0, table(weights)
