"""The growing-SQL check itself: it must pass what is bounded and catch what is not."""

import pytest

from catalog.models import Product
from tests.sqlshape import assert_sql_does_not_grow, shape


def test_shape_normalises_literals_but_not_placeholders():
    assert shape("SELECT 1 FROM t WHERE a = 'x''y' LIMIT 24 OFFSET 48") == (
        "SELECT ? FROM t WHERE a = ? LIMIT ? OFFSET ?"
    )
    assert shape('SELECT "U0"."id" FROM "t2"') == 'SELECT "U0"."id" FROM "t2"'
    assert shape("WHERE id IN (%s, %s)") != shape("WHERE id IN (%s)")


@pytest.fixture
def hundred(make_products):
    make_products(100)


def first(strategy):
    return lambda n: list(Product.objects.for_list().with_features(strategy)[:n])


@pytest.mark.usefixtures("hundred")
def test_passes_bounded_loading():
    statements = assert_sql_does_not_grow(first("bounded"), 1, 100)
    assert len(statements) == 2


@pytest.mark.usefixtures("hundred")
def test_catches_prefetch_related_in_list():
    with pytest.raises(AssertionError, match="Statement 2 grows with the result set"):
        assert_sql_does_not_grow(first("prefetch"), 1, 100)


@pytest.mark.usefixtures("hundred")
def test_catches_n_plus_one():
    with pytest.raises(AssertionError, match="2 statements at size 1, 101 at size 100"):
        assert_sql_does_not_grow(first("naive"), 1, 100)
