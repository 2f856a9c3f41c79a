"""Measure the feature-loading strategies side by side (bench_prefetch, the tour page).

One run loads the first `n` published products with one strategy and reads
every value a product card shows, exactly as the templates do, so each strategy
does the same work from the same data. What is measured:

- `queries`: every statement the run sent (`config.querylog.record()`);
- `sql_bytes`: the bytes of the statements that loaded the features (all but
  the first, the products statement) as PostgreSQL received them: psycopg2
  interpolates parameters on the client, so an IN list of ids arrives as text;
- `ms`: wall time of loading and reading, garbage collection included.
"""

import gc
import hashlib
import statistics
import time
from dataclasses import dataclass, field

from django.db import connection

from catalog.features import ATTRIBUTE, STRATEGIES
from catalog.models import Product
from config.querylog import record


@dataclass
class Run:
    strategy: str
    n: int
    queries: int
    sql_bytes: int
    ms: float
    # The features statements as the application wrote them (placeholders).
    statements: list[str] = field(default_factory=list, repr=False)
    # A fingerprint of everything the cards showed: equal runs showed equal data.
    digest: str = ""

    def as_dict(self) -> dict:
        return {
            "strategy": self.strategy,
            "n": self.n,
            "queries": self.queries,
            "sql_bytes": self.sql_bytes,
            "ms": round(self.ms, 1),
        }


def cards(products) -> list[tuple]:
    """Every value a product card shows (catalog/cards.py), read the same way."""
    return [
        (
            product.name,
            product.slug,
            str(product.price),
            product.category.name,
            product.category.slug,
            product.image.name,
            product.image_width,
            product.image_height,
            tuple((feature.name, feature.value) for feature in getattr(product, ATTRIBUTE)),
        )
        for product in products
    ]


def run(strategy: str, n: int, *, collect_garbage: bool = True) -> Run:
    """Load and read the first `n` published products (by name) with `strategy`.

    `collect_garbage` first, so every run starts from the same heap rather than
    the previous run's garbage (the benchmark; a web page skips it).
    """
    queryset = Product.objects.published().for_list().sorted_by("name").with_features(strategy)
    sent = []

    def keep(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    if collect_garbage:
        gc.collect()
    with record() as log, connection.execute_wrapper(keep):
        started = time.perf_counter()
        shown = cards(queryset[:n])
        ms = (time.perf_counter() - started) * 1000
    features_sql = sent[1:]
    return Run(
        strategy=strategy,
        n=n,
        queries=log.count,
        # Measured after the clock stopped: interpolating is not the strategy's cost.
        sql_bytes=sum(
            len(connection.ops.compose_sql(sql, params).encode()) for sql, params in features_sql
        ),
        ms=ms,
        statements=[sql for sql, _ in features_sql],
        digest=hashlib.sha256(repr(shown).encode()).hexdigest(),
    )


def compare(sizes: list[int], repeats: int, strategies=STRATEGIES) -> list[Run]:
    """The median run of each strategy at each size.

    Strategies take turns within each repeat, so a busy machine slows them alike.
    """
    results = []
    for n in sizes:
        runs = {strategy: [] for strategy in strategies}
        for _ in range(repeats):
            for strategy in strategies:
                runs[strategy].append(run(strategy, n))
        for strategy in strategies:
            by_time = sorted(runs[strategy], key=lambda r: r.ms)
            median = by_time[len(by_time) // 2]
            median.ms = statistics.median(r.ms for r in by_time)
            results.append(median)
    return results
