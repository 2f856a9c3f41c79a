"""Image sizes: read for a new file, never for a loaded row (whose file may be gone)."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from catalog.models import Product
from tests.factories import CategoryFactory, ProductFactory, image_bytes

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


@pytest.mark.parametrize("how", ["constructor", "create", "assignment"])
def test_a_new_file_gets_its_size_however_it_is_given(category_for_images, fresh_s3, how):
    image = ContentFile(image_bytes("PNG", (40, 30)), name="new.png")
    fields = {"name": "Lamp", "slug": "lamp", "price": 1, "category": category_for_images}
    if how == "constructor":
        product = Product(image=image, **fields)
        product.save()
    elif how == "create":
        product = Product.objects.create(image=image, **fields)
    else:
        product = Product.objects.create(**fields)
        product.image = image
        product.save()
    stored = Product.objects.get(pk=product.pk)
    assert (stored.image_width, stored.image_height) == (40, 30)


@pytest.fixture
def category_for_images():
    return CategoryFactory()
