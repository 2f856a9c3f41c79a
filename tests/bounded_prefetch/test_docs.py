"""The figures the docs quote are those of the committed benchmark run
(docs/prefetch-bench.jsonl, `bench_prefetch --json`): its table, and the sizes the
prose of docs/prefetch.md and the README give."""

import json
import re

from tests.processes import BASE_DIR

RUN = [
    json.loads(line)
    for line in (BASE_DIR / "docs" / "prefetch-bench.jsonl").read_text().splitlines()
]
PREFETCH_MD = (BASE_DIR / "docs" / "prefetch.md").read_text()
README = (BASE_DIR / "README.md").read_text()


def sql_bytes(strategy: str, n: int) -> int:
    (row,) = [r for r in RUN if (r["strategy"], r["n"]) == (strategy, n)]
    return row["sql_bytes"]


def kb(size: int) -> str:
    return f"{round(size / 1000)} KB"


def test_the_table_is_the_committed_run():
    table = PREFETCH_MD.split("| strategy | products |", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| (\w+) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \| ([\d,.]+) \|", table, re.M)
    assert [
        (name, int(n.replace(",", "")), int(q.replace(",", "")), int(b.replace(",", "")), ms)
        for name, n, q, b, ms in rows
    ] == [(r["strategy"], r["n"], r["queries"], r["sql_bytes"], f"{r['ms']:,.1f}") for r in RUN]


def test_the_prose_quotes_the_runs_sizes():
    grows = (
        f"{sql_bytes('prefetch', 50)} bytes for 50 products, "
        f"{kb(sql_bytes('prefetch', 5000))} for\n5,000 and "
        f"{kb(sql_bytes('prefetch', 20000))} for 20,000"
    )
    assert grows in PREFETCH_MD
    assert f"linearly ({kb(sql_bytes('prefetch', 20000))} at 20,000 products)" in PREFETCH_MD
    assert f"({kb(sql_bytes('prefetch', 20000))} for 20,000 products)" in README
    # The tour says it too: it said 140 KB where the run measured 130.
    tour = (BASE_DIR / "templates" / "tour" / "prefetch.html").read_text()
    assert f"about {kb(sql_bytes('prefetch', 20000))} of SQL for 20,000\nproducts" in tour
    bounded = [r["sql_bytes"] for r in RUN if r["strategy"] == "bounded"]
    assert f"sends {min(bounded)}\u2013{max(bounded)} bytes at every size measured" in PREFETCH_MD
    assert f"it is {min(bounded)} to {max(bounded)} bytes at the benchmark's sizes" in PREFETCH_MD
    naive = sql_bytes("naive", 20000)
    assert f"sends {naive / 1e6:.1f} MB in 20,001" in PREFETCH_MD
