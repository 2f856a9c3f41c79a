"""The prefetch tour page and its chart."""

import re

import pytest

from catalog import chart
from catalog.tour import BENCHMARK, stored_benchmark
from tests.pages import query_count
from tests.processes import BASE_DIR

pytestmark = pytest.mark.django_db


def test_tour_runs_the_three_strategies_live(client, make_products):
    make_products(30)
    response = client.get("/tour/prefetch/", {"n": 20})
    assert response.status_code == 200
    runs = {run.strategy: run for run in response.context["runs"]}
    assert runs["naive"].queries == 21
    assert runs["prefetch"].queries == runs["bounded"].queries == 2
    assert runs["prefetch"].statements[0].count("%s") == 20
    assert "LIMIT %s OFFSET %s" in runs["bounded"].statements[0]
    # One product or twenty: only bounded keeps its features statement's text.
    assert runs["bounded"].same_text_as_one
    assert not runs["prefetch"].same_text_as_one
    html = response.content.decode()
    assert "… and 18 more statements like these" in html
    assert "LEFT JOIN LATERAL" in html
    assert "def _features_statement" in html


def test_tour_clamps_n_to_the_catalog_and_to_24(client, make_products):
    make_products(5)
    assert client.get("/tour/prefetch/", {"n": 500}).context["n"] == 5
    assert client.get("/tour/prefetch/", {"n": "x"}).context["n"] == 5
    assert client.get("/tour/prefetch/", {"n": -1}).context["n"] == 1
    # A count of one in the singular, in the caption as in the heading.
    one = client.get("/tour/prefetch/", {"n": 1}).content.decode()
    assert "The first 1 published product by name" in one
    assert (
        "The first 5 published products by name" in client.get("/tour/prefetch/").content.decode()
    )


def test_anyone_can_make_the_tour_run_at_most_36_queries(client, make_products):
    """The naive loop runs one query per product, for whoever asks: n stops at 24."""
    make_products(30)
    for n in (24, 100, 10**6):
        response = client.get("/tour/prefetch/", {"n": n})
        assert response.context["n"] == 24
        # count + 25 naive + 2 + 2, then 2 + 2 + 2 for the one-product comparison.
        assert query_count(response["Server-Timing"]) == 36
    assert 'max="24"' in response.content.decode()
    assert "Products to load (1\u201324" in response.content.decode()  # an en dash


def test_tour_without_products_says_how_to_seed(client):
    response = client.get("/tour/prefetch/")
    assert response.status_code == 200
    assert b"seed_catalog" in response.content
    assert b"The catalog is empty" in response.content
    assert b"Live evidence: none yet" in response.content  # not "the same 24 products"
    assert response.context["runs"] == []


def test_tour_with_no_published_product_says_so_not_that_the_catalog_is_empty(
    client, make_products
):
    """The strategies load published products: with products all unpublished, the
    page said the catalog was empty and sent the reader to seed one."""
    make_products(3, is_published=False)
    content = client.get("/tour/prefetch/").content.decode()
    assert "The catalog is empty" not in content
    assert "No product is published" in content


def test_the_tour_names_the_command_of_the_benchmark_it_charts():
    """docs/prefetch-bench.jsonl is the run docs/prefetch.md shows (medians of 7)."""
    docs = (BASE_DIR / "docs" / "prefetch.md").read_text()
    documented = re.search(r"^pipenv run python manage\.py bench_prefetch --sizes .*$", docs, re.M)
    template = (BASE_DIR / "templates" / "tour" / "prefetch.html").read_text()
    assert f"<code>{documented.group(0)} --json</code>" in template


def test_tour_charts_the_stored_benchmark_as_inline_svg(client):
    html = client.get("/tour/prefetch/").content.decode()
    stored = stored_benchmark()
    assert stored, f"{BENCHMARK} is part of the docs"
    assert html.count("<svg") == 2
    assert "drawn from a stored benchmark, not from this request" in html
    for strategy in ("naive", "prefetch", "bounded"):
        assert f'class="series series-{strategy}"' in html
    # A strict Content-Security-Policy is coming: no inline styles or scripts.
    assert "style=" not in html
    assert "<script>" not in html  # no inline script: the CSP would block it


def test_stored_benchmark_rows_have_the_documented_keys():
    rows = stored_benchmark()
    assert rows
    for row in rows:
        assert set(row) == {"strategy", "n", "queries", "sql_bytes", "ms"}


def test_missing_benchmark_file_means_no_chart(tmp_path):
    assert stored_benchmark(tmp_path / "absent.jsonl") == []
    assert chart.line_chart([], "ms", ["bounded"]) == {}


def test_line_chart_places_points_on_log_axes():
    rows = [
        {"strategy": "a", "n": 10, "ms": 1.0},
        {"strategy": "a", "n": 1000, "ms": 100.0},
        {"strategy": "b", "n": 10, "ms": 10.0},
        {"strategy": "b", "n": 1000, "ms": 10.0},
    ]
    drawn = chart.line_chart(rows, "ms", ["a", "b", "c"])
    plot = drawn["plot"]
    (a, b) = drawn["series"]
    assert [s.name for s in drawn["series"]] == ["a", "b"]
    ax = [float(p.split(",")[0]) for p in a.points.split()]
    ay = [float(p.split(",")[1]) for p in a.points.split()]
    assert ax == [plot["left"], plot["right"]]
    assert ay == [plot["bottom"], plot["top"]]  # 1 ms at the bottom, 100 ms at the top
    assert b.points.split()[0].split(",")[1] == b.points.split()[1].split(",")[1]  # flat
    assert [label for _, label in drawn["y_ticks"]] == ["1", "10", "100"]
    assert [label for _, label in drawn["x_ticks"]] == ["10", "1,000"]
    assert a.dots[1][2] == "100 at 1,000"


def test_chart_labels_use_k_and_m():
    rows = [
        {"strategy": "a", "n": 50, "sql_bytes": 400},
        {"strategy": "a", "n": 500, "sql_bytes": 5_600_000},
    ]
    drawn = chart.line_chart(rows, "sql_bytes", ["a"])
    assert [label for _, label in drawn["y_ticks"]] == ["100", "1k", "10k", "100k", "1M", "10M"]
    assert re.fullmatch(r"5\.6M at 500", drawn["series"][0].dots[1][2])


def test_single_size_chart_still_draws():
    drawn = chart.line_chart([{"strategy": "a", "n": 24, "ms": 3.0}], "ms", ["a"])
    assert drawn["series"][0].points
