"""Catch SQL that grows with the result set: what query-count assertions miss.

`assert_sql_does_not_grow(run, small, large)` calls `run(size)` at two sizes
and fails unless both sent the same statements, in the same order, with the
same shape. A shape is a statement's text with its literals normalised
(numbers and quoted strings become `?`), so `LIMIT 1` and `LIMIT 100` match,
but `IN (%s)` and `IN (%s, %s, ...)` do not: one placeholder per row is
exactly the growth this looks for. An N+1 loop fails too (more statements).

    assert_sql_does_not_grow(lambda n: list(Product.objects.all()[:n]), 1, 100)
    assert_sql_does_not_grow(lambda n: client.get(f"/products/?per_page={n}"), 1, 100)

(A page that `run` asks for twice is served from the page cache the second time,
with no SQL at all: vary the URL with the size, or turn the cache off.)
"""

import re
from collections.abc import Callable

from django.db import connection

from config.querylog import record

_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"(?<![\w\"])-?\d+(?:\.\d+)?\b")
_SPACE = re.compile(r"\s+")


def shape(sql: str) -> str:
    """`sql` with string and number literals replaced by `?` and spaces collapsed."""
    return _SPACE.sub(" ", _NUMBER.sub("?", _STRING.sub("?", sql))).strip()


def shapes(run: Callable[[], object]) -> list[str]:
    """The shape of every statement `run()` sends, in order."""
    with record() as log:
        run()
    return [shape(query.sql) for query in log.queries]


def as_sent(run: Callable[[], object]) -> list[str]:
    """Every statement `run()` sends, values included, as PostgreSQL receives it."""
    sent = []

    def keep(execute, sql, params, many, context):
        sent.append(connection.ops.compose_sql(sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        run()
    return sent


def assert_sql_does_not_grow(
    run: Callable[[int], object],
    small: int,
    large: int,
    prepare: Callable[[int], object] | None = None,
) -> list[str]:
    """Fail when `run(small)` and `run(large)` differ in their statements' shapes.

    `prepare(size)`, when given, runs first and unrecorded: it makes the data
    for that size. Returns the shapes, so a test can check more about them.
    """
    if prepare:
        prepare(small)
    at_small = shapes(lambda: run(small))
    if prepare:
        prepare(large)
    at_large = shapes(lambda: run(large))
    if len(at_small) != len(at_large):
        raise AssertionError(
            f"{len(at_small)} statements at size {small}, {len(at_large)} at size {large}: "
            "the number of queries grows with the result set (an N+1 loop?)."
        )
    for index, (before, after) in enumerate(zip(at_small, at_large, strict=True)):
        if before != after:
            raise AssertionError(
                f"Statement {index + 1} grows with the result set: {len(before)} characters "
                f"at size {small}, {len(after)} at size {large}.\n"
                f"  at {small}: {before[:300]}\n  at {large}: {after[:300]}"
            )
    return at_small
