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


def admin_form(client, product) -> dict:
    """The product's admin change form as a browser would post it back unchanged."""
    page = client.get(reverse("admin:catalog_product_change", args=[product.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if name != "image"}
    data = {name: "" if value is None else value for name, value in data.items()}
    for prefix, formset in (
        (f.formset.prefix, f.formset) for f in page.context["inline_admin_formsets"]
    ):
        management = formset.management_form
        data.update({f"{prefix}-{k}": management[k].value() for k in management.fields})
        for inline in formset.forms:
            for name in inline.fields:
                value = inline[name].value()
                data[inline.add_prefix(name)] = "" if value is None else value
    return data


@pytest.mark.parametrize("gone", ["never stored", "deleted (a delete marker on top)"])
def test_a_product_whose_image_is_gone_can_still_be_edited(admin_client, fresh_s3, gone):
    """Saving a change form assigns the image the row holds again, and Django read
    the stored file to measure it: a FileNotFoundError, a 500 for the product whose
    picture was deleted by mistake (the case the versioned bucket is for); while
    S3 was down every product edit was a 500, and each save downloaded the image."""
    product = ProductFactory(features=0, image=ContentFile(image_bytes("PNG", (40, 30)), "p.png"))
    if gone == "never stored":
        Product.objects.filter(pk=product.pk).update(image="products/gone.png")
    else:
        product.image.storage.delete(product.image.name)
    data = admin_form(admin_client, product)
    data["price"] = "12.50"
    response = admin_client.post(reverse("admin:catalog_product_change", args=[product.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = Product.objects.get(pk=product.pk)
    assert str(stored.price) == "12.50"
    assert (stored.image_width, stored.image_height) == (40, 30)
