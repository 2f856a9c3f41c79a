"""The load benchmark's bookkeeping (tests/bench/load.py): which trivial-view run
each page is compared with, and that its floors (tests/bench/floors.py) do what a
page does before its own markup and nothing else. Running it for real takes
minutes and wrk."""

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.profiles import create_user_with_profile
from catalog.models import Product
from tests.bench import floors, load
from tests.factories import ProductFactory
from tests.processes import BASE_DIR, ends_with_its_starter, wait_for
from tests.required import required


def row(path: str, rps: float, web: float | None, db: float | None = 0.0, **extra) -> dict:
    return {
        "page": path,
        "path": path,
        "processes": 1,
        "rps": rps,
        "web_cpu_ms": web,
        "db_cpu_ms": db,
        "errors": 0,
        **extra,
    }


def test_the_trivial_view_beside_a_page_is_the_mean_of_its_runs_before_and_after():
    before = row(load.TRIVIAL, 1500.0, 1.2, 0.01)
    after = row(load.TRIVIAL, 2100.0, 0.8, 0.03)
    assert load.beside(before, after) == {
        "rps": 1800.0,
        "web_cpu_ms": 1.0,
        "db_cpu_ms": 0.02,
        "errors": 0,
    }
    # Without the database's figures (no local server found), none are made up.
    assert load.beside({**before, "db_cpu_ms": None}, after)["db_cpu_ms"] is None


def test_a_page_is_compared_with_the_trivial_view_beside_it_not_the_first_one():
    first = row(load.TRIVIAL, 2000.0, 1.0)
    page = row("/products/?uncached", 300.0, 5.0, 1.0, trivial=row(load.TRIVIAL, 1500.0, 1.5))
    rows = [first, page]
    assert load.against_trivial(page, rows)["of_trivial"] == 0.2  # 300 / 1500, not / 2000
    assert load.against_trivial(page, rows)["cpu_of_trivial"] == 0.25  # 1.5 / (5 + 1)
    assert load.against_trivial(first, rows)["of_trivial"] == 1.0
    assert load.against_trivial(first, rows)["cpu_of_trivial"] == 1.0


def test_a_server_that_finished_no_request_has_no_cpu_ratio():
    trivial = row(load.TRIVIAL, 2000.0, 1.0)
    hung = row("/products/", 0.0, None, None, trivial=trivial)
    assert load.against_trivial(hung, [trivial, hung]) == {
        **hung,
        "of_trivial": 0.0,
        "cpu_of_trivial": None,
    }


def test_every_page_but_the_trivial_view_runs_between_two_runs_of_it(monkeypatch):
    measured = []

    def measure(name, path, webs, headers, args, sampler, duration=None):
        measured.append((path, duration or args.duration, headers.get("Cookie")))
        return row(path, 100.0 * len(measured), 1.0)

    monkeypatch.setattr(load, "measure", measure)
    web = SimpleNamespace(process=SimpleNamespace(pid=os.getpid()))
    pages = [("trivial", load.TRIVIAL, False), ("list", "/products/", False), ("me", "/me/", True)]
    args = SimpleNamespace(duration=30)
    rows = load.run_pages(pages, [web], {"Accept-Encoding": "gzip"}, "session=x", args)

    assert measured == [
        (load.TRIVIAL, 30, None),
        (load.TRIVIAL, 10, None),
        ("/products/", 30, None),
        (load.TRIVIAL, 10, None),
        # The trivial view never gets the logged-in page's cookie.
        (load.TRIVIAL, 10, None),
        ("/me/", 30, "session=x"),
        (load.TRIVIAL, 10, None),
    ]
    assert [r["path"] for r in rows] == [load.TRIVIAL, "/products/", "/me/"]
    assert "trivial" not in rows[0]
    assert rows[1]["trivial"]["rps"] == 300.0  # runs 2 and 4: (200 + 400) / 2
    assert rows[2]["trivial"]["rps"] == 600.0  # runs 5 and 7


def test_a_short_run_still_gives_the_trivial_view_a_few_seconds_each_side():
    assert load.beside_seconds(30) == 10
    assert load.beside_seconds(5) == 3


def test_one_page_can_be_chosen_and_a_wrong_name_stops_before_anything_starts(capsys):
    with pytest.raises(SystemExit) as stopped:
        load.main(["--page", "profile", "--page", "list rendered"])
    assert stopped.value.code == 2
    assert "invalid choice: 'list rendered'" in capsys.readouterr().err


def statements(client, path: str) -> tuple[object, list[str]]:
    """The response to a GET of `path` and the SQL it sent, in order, its values
    (a time, a session key) written as `?`."""
    with CaptureQueriesContext(connection) as sent:
        response = client.get(path)
    return response, [re.sub(r"'[^']*'", "?", query["sql"]) for query in sent.captured_queries]


@pytest.fixture
def floors_served(settings):
    """The site as the benchmark's web process serves it (tests/bench/settings.py)."""
    settings.ROOT_URLCONF = "tests.bench.floors"
    settings.PAGE_CACHE_SECONDS = 0


@pytest.mark.django_db
def test_the_logged_in_floor_sends_the_profile_pages_statements_and_nothing_more(
    client, floors_served
):
    assert client.get(floors.LOGGED_IN_FLOOR).status_code == 302  # to the login page
    user = create_user_with_profile(username="ada", email="ada@example.com", password="pw-1")
    client.force_login(user)

    floor, sent = statements(client, floors.LOGGED_IN_FLOOR)
    page, page_sent = statements(client, "/accounts/profile/")

    assert floor.status_code == page.status_code == 200
    assert floor.content == b"ada"
    assert floor["Content-Type"] == "text/plain; charset=utf-8"
    # The session, then the user with its profile and company (the auth backend's).
    assert len(sent) == 2
    assert sent == page_sent
    assert "set-cookie" not in {name.lower() for name in floor.headers}


@pytest.mark.django_db
def test_the_list_floor_sends_the_lists_statements_and_shows_its_cards_alone(client, floors_served):
    ProductFactory.create_batch(30)

    floor, sent = statements(client, floors.LIST_FLOOR)
    page, page_sent = statements(client, "/products/")

    assert floor.status_code == page.status_code == 200
    # The products of the first page, then their features; the page's count is
    # kept between requests where pages are cached (catalog/counts.py), as in the
    # benchmark, and left out of the floor.
    assert len(sent) == 2
    assert sent == [sql for sql in page_sent if not sql.startswith("SELECT COUNT(*)")]
    cards = floor.content.decode()
    assert cards.count('class="product-card"') == 24
    assert cards in page.content.decode()  # the same 24 cards the page shows
    for around in ("site-header", "list-controls", "result-count", "pagination"):
        assert around in page.content.decode()
        assert around not in cards


def test_the_benchmarks_settings_are_the_sites_but_for_the_floors_urls():
    from config import settings as site
    from config import urls as site_urls
    from tests.bench import settings as bench

    def names(module) -> dict:
        return {name: getattr(module, name) for name in dir(module) if name.isupper()}

    assert names(bench) == {**names(site), "ROOT_URLCONF": "tests.bench.floors"}
    assert floors.urlpatterns[:-2] == site_urls.urlpatterns


@pytest.mark.django_db
@pytest.mark.parametrize("products", range(1, 6))
def test_a_catalog_of_a_few_products_has_its_pages_or_says_why_not(fresh_s3, products):
    """A product page needs a published product: two products of the default seed
    publish one, and its middle one by number (the second) was an IndexError."""
    from django.utils import timezone

    from catalog import demo_data
    from tests.bench import fixtures

    specs = demo_data.products(products, 5, seed=1, first_number=1, now=timezone.now())
    if not any(spec.is_published for spec in specs):
        with pytest.raises(SystemExit, match="no published product"):
            fixtures.prepare(products=products)
        return
    pages, _, _ = fixtures.prepare(products=products)
    [detail] = [path for name, path, _ in pages if name == "product detail"]
    assert detail in {product.get_absolute_url() for product in Product.objects.published()}


@pytest.mark.django_db
def test_the_render_benchmark_stops_in_one_line_on_a_page_too_few_products_fill():
    """Three products have no page 2 of the list: measure() ended in an AssertionError
    after the seed."""
    from tests.bench import render

    ProductFactory.create_batch(3)
    with pytest.raises(SystemExit, match=r"The list, page 2 page .* answered 404, not 200: a"):
        render.measure([("list, page 2", "/products/?page=2&sort=price&uncached", False)], 1)


def wrk_children(pid: int) -> list:
    """The children of process `pid` that run wrk."""
    import psutil

    found = []
    for child in psutil.Process(pid).children():
        with contextlib.suppress(psutil.NoSuchProcess):
            if child.name() == "wrk":
                found.append(child)
    return found


def test_wrk_ends_with_the_benchmark_that_started_it():
    """A benchmark stopped by an error, or killed, left its wrk sending requests for
    the rest of --duration, an hour here. wrk is told to stop when the process that
    started it ends, however it ends, as the web line is (tests/test_processes.py).
    Without Debian's wrk it skips; REQUIRE_WRK=1 (.ci/run) makes that a failure."""

    if shutil.which("wrk") is None:
        if required("REQUIRE_WRK"):
            pytest.fail("wrk not found, and REQUIRE_WRK is set: install Debian's wrk")
        pytest.skip("needs Debian's wrk")

    with socket.socket() as silent:  # takes connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        code = (
            f"from tests.bench import load\nload.wrk('http://127.0.0.1:{port}/', 3600, 4, {{}})\n"
        )
        starter = subprocess.Popen([sys.executable, "-c", code], cwd=BASE_DIR)
        try:
            # The child is Python until it has exec'd wrk (a run on a busy machine
            # caught it in between).
            wait_for(lambda: wrk_children(starter.pid), 60)
            (wrk,) = wrk_children(starter.pid)
        except BaseException:
            starter.kill()
            starter.wait()
            raise
        ends_with_its_starter(starter, wrk, 30)
