"""A product whose image row has no stored size, and whose file is gone from the bucket."""

import pytest
from django.urls import reverse

from catalog.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def product_without_size(fresh_s3):
    product = ProductFactory(features=1)
    # Written outside a form (an import, a script): a name, no size, no such object.
    Product.objects.filter(pk=product.pk).update(
        image="products/gone.png", image_width=None, image_height=None
    )
    return product


def test_loading_the_row_never_reads_the_file(product_without_size, fresh_s3):
    product = Product.objects.get(pk=product_without_size.pk)
    assert (product.image.name, product.image_width, product.image_height) == (
        "products/gone.png",
        None,
        None,
    )


@pytest.mark.parametrize("page", ["list", "detail", "admin list"])
def test_pages_still_answer_200(admin_client, product_without_size, page):
    url = {
        "list": "/products/",
        "detail": product_without_size.get_absolute_url(),
        "admin list": reverse("admin:catalog_product_changelist"),
    }[page]
    assert admin_client.get(url).status_code == 200
