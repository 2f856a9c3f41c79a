"""`/tour/prefetch/`: the three feature-loading strategies, run live on this database."""

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.views.generic import TemplateView

from catalog import bench, chart
from catalog.features import STRATEGIES
from catalog.models import Product
from catalog.views import clamp_per_page
from config.tour import source_excerpt

# What `manage.py bench_prefetch --json` printed, kept in the docs (docs/prefetch.md).
BENCHMARK = Path(settings.BASE_DIR) / "docs" / "prefetch-bench.jsonl"
NAIVE_SHOWN = 2  # statements of the N+1 loop printed before "and N more"
# Products the live comparison loads at most: one list page. The naive loop runs one
# query per product for any visitor who asks, so `?n=` stays small (36 queries in
# all at 24); larger sizes are in the stored benchmark below the comparison.
MAX_LIVE_PRODUCTS = 24


@cache
def stored_benchmark(path: Path = BENCHMARK) -> list[dict]:
    """The stored benchmark rows; read once per process (the file ships with the release)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@cache
def stored_charts() -> list[tuple[str, str]]:
    """The two SVG charts of the stored benchmark, drawn once per process."""
    stored = stored_benchmark()
    return [
        ("Features SQL sent, in bytes", chart.line_chart(stored, "sql_bytes", STRATEGIES)),
        ("Time to load and read, in ms", chart.line_chart(stored, "ms", STRATEGIES)),
    ]


class PrefetchTourView(TemplateView):
    template_name = "tour/prefetch.html"

    def get_context_data(self, **kwargs):
        # Clamped like a list page's per_page, to 1..MAX_LIVE_PRODUCTS.
        n = min(clamp_per_page(self.request.GET.get("n")), MAX_LIVE_PRODUCTS)
        available = Product.objects.published().count()
        runs = []
        if available:
            n = min(n, available)
            # No forced garbage collection here: it would cost every visitor.
            runs = [bench.run(strategy, n, collect_garbage=False) for strategy in STRATEGIES]
            # The same strategies on a single product: which statements kept their text?
            single = {s: bench.run(s, 1, collect_garbage=False).statements for s in STRATEGIES}
            for run in runs:
                run.same_text_as_one = run.statements[:1] == single[run.strategy][:1]
                run.shown = run.statements[:NAIVE_SHOWN]
                run.hidden = len(run.statements) - len(run.shown)
        stored = stored_benchmark()
        return super().get_context_data(
            n=n,
            max_n=MAX_LIVE_PRODUCTS,
            available=available,
            # Without a published product: whether any exists (the page says which).
            unpublished=not available and Product.objects.exists(),
            runs=runs,
            stored=stored,
            charts=stored_charts(),
            excerpt=source_excerpt(
                "config/bounded_prefetch/iterable.py", "def _features_statement", 40
            ),
            load_excerpt=source_excerpt("catalog/features.py", "def load(", 11),
            **kwargs,
        )
