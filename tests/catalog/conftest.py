import pytest

from tests.factories import CategoryFactory, ProductFactory


@pytest.fixture
def category(db):
    return CategoryFactory(name="Kitchen", slug="kitchen")


@pytest.fixture
def make_products(category):
    """`make_products(n)`: n published products in `category`, 3 features each."""

    def make(n: int, **kwargs):
        kwargs.setdefault("category", category)
        return ProductFactory.create_batch(n, **kwargs)

    return make


@pytest.fixture
def no_page_cache(settings):
    """Every list request renders: for tests of what the view itself queries."""
    settings.PAGE_CACHE_SECONDS = 0
