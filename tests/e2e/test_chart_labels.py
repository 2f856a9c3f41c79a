"""The tour's charts (catalog/chart.py drawn by templates/tour/_chart.html) in Chromium:
no two texts overlap, whatever the values, at a phone's width and a desktop's."""

import pytest
from django.template.loader import render_to_string

from catalog import chart
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_layout import LAYOUT_CHECKS
from tests.processes import BASE_DIR

STRATEGIES = ["naive", "prefetch", "bounded"]


def rows(values: dict[str, list[float]], sizes: list[int]) -> list[dict]:
    return [
        {"strategy": strategy, "n": n, "ms": value}
        for strategy, series in values.items()
        for n, value in zip(sizes, series, strict=True)
    ]


CASES = {
    # Every strategy ends at the same value: three names at one point.
    "equal": rows({s: [5.0, 50.0] for s in STRATEGIES}, [50, 5000]),
    # Ends a fraction of a per cent apart, as prefetch and bounded are in time.
    "close": rows(
        {"naive": [40.0, 4000.0], "prefetch": [3.0, 2500.3], "bounded": [2.9, 2503.2]},
        [50, 20000],
    ),
    # All three equal at the top of the axis, where labels cannot move further up.
    "equal-at-the-top": rows({s: [1.0, 1000.0] for s in STRATEGIES}, [50, 500]),
    # Sizes close together: their x labels would collide.
    "close-sizes": rows({s: [1.0, 1.1, 1.2, 200.0] for s in STRATEGIES}, [50, 55, 60, 20000]),
    "one-size": rows({s: [7.0] for s in STRATEGIES}, [24]),
}


@pytest.fixture
def blank_page(chromium):
    context = chromium.new_context()
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
@pytest.mark.parametrize("case", CASES)
def test_chart_texts_never_overlap(blank_page, case, viewport):
    drawn = chart.line_chart(CASES[case], "ms", STRATEGIES)
    svg = render_to_string("tour/_chart.html", {"chart": drawn, "title": "Time"})
    css = (BASE_DIR / "static" / "css" / "site.css").read_text()
    blank_page.set_viewport_size(viewport)
    blank_page.set_content(f"<style>{css}</style><main class='container'>{svg}</main>")
    assert blank_page.locator("svg .series text").count() == len(drawn["series"])
    assert blank_page.evaluate(LAYOUT_CHECKS) == []
