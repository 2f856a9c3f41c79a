"""seed_catalog's product pictures: drawn once, stored once on the versioned media
bucket (the local S3 server), shared by products, and never deleted by one of them."""

import io
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image

from catalog import product_images
from catalog.demo_data import CATEGORIES
from catalog.models import Product
from config.local import s3 as locals3
from config.media import versions
from tests.catalog.test_admin_media import change_data, change_page
from tests.conftest import bucket_keys, stored_bytes
from tests.factories import ProductFactory, image_bytes, upload

pytestmark = pytest.mark.django_db


def seed(*args: str) -> None:
    call_command("seed_catalog", "--features-per-product", "2", *args, verbosity=0)


def test_every_seeded_product_shows_a_shared_webp_picture_on_the_media_bucket(fresh_s3):
    seed("--products", "120")
    products = list(Product.objects.all())
    names = {product.image.name for product in products}
    # A few dozen pictures at most, however many products: each is shared.
    assert 10 <= len(names) < len(products)
    client = fresh_s3.client()
    for name in names:
        assert name.startswith(f"{product_images.FOLDER}/")
        assert name.endswith(".webp")
        with Image.open(io.BytesIO(stored_bytes(fresh_s3, name))) as image:
            assert (image.format, image.size) == ("WEBP", product_images.SIZE)
        head = client.head_object(Bucket=locals3.MEDIA_BUCKET, Key=name)
        assert head["ContentType"] == "image/webp"
        assert head["ContentLength"] < 8_000  # a few KB for page weight
    for product in products:
        assert (product.image_width, product.image_height) == product_images.SIZE


def test_pictures_match_category_and_colour(fresh_s3):
    seed("--products", "80")
    for product in Product.objects.prefetch_related("features"):
        spec = next(c for c in CATEGORIES if c.slug == product.category.slug)
        colour = {f.name: f.value for f in product.features.all()}["Colour"]
        expected = f"{product_images.FOLDER}/{spec.picture}-{colour.lower().replace(' ', '-')}-"
        assert product.image.name.startswith(expected)


def test_seeding_again_uploads_nothing_and_adds_no_version(fresh_s3):
    seed("--products", "60")
    keys = bucket_keys(fresh_s3)
    assert keys  # one version per picture
    assert len(keys) == len(set(keys))
    first = list(Product.objects.order_by("pk").values_list("image", flat=True))
    seed("--products", "60", "--clear")
    seed("--products", "60")  # adds 60 more, the same seed's products again
    assert bucket_keys(fresh_s3) == keys
    # Same drawing, same bytes, same name: the re-seeded catalog points at the same files.
    assert list(Product.objects.order_by("pk").values_list("image", flat=True)) == first * 2


def test_a_picture_deleted_on_the_bucket_is_stored_again_by_the_next_seed(fresh_s3):
    seed("--products", "5")
    name = Product.objects.first().image.name
    default_storage.delete(name)  # a delete marker on top
    seed("--products", "5", "--clear")
    assert default_storage.exists(name)
    assert Product.objects.filter(image=name).exists()


def test_storage_failure_is_a_clear_error_and_leaves_the_catalog_as_it_was(broken_s3):
    before = [ProductFactory(features=0).pk for _ in range(3)]
    with pytest.raises(CommandError, match=r"Could not store the product images.*Nothing was"):
        seed("--products", "20", "--clear")
    assert sorted(Product.objects.values_list("pk", flat=True)) == before


def shared_pair() -> tuple[Product, Product]:
    """Two seeded products showing the same stored picture."""
    for product in Product.objects.order_by("pk"):
        other = Product.objects.filter(image=product.image.name).exclude(pk=product.pk).first()
        if other:
            return product, other
    raise AssertionError("no two products share a picture")


def assert_intact(server, name: str, content: bytes) -> None:
    assert default_storage.exists(name)
    assert not any(v.is_delete_marker for v in versions.list_versions(name))
    assert stored_bytes(server, name) == content


def test_replacing_clearing_or_deleting_one_product_keeps_the_shared_picture(
    admin_client, fresh_s3
):
    seed("--products", "60")
    product, other = shared_pair()
    name = other.image.name
    content = stored_bytes(fresh_s3, name)

    # A new image for one product, uploaded in the admin.
    new_image = upload("new.png", image_bytes("PNG", (40, 30)))
    response = admin_client.post(change_page(product), change_data(product, image=new_image))
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.image.name != name
    assert_intact(fresh_s3, name, content)

    # "Clear" ticked on a third product with the same picture.
    third = ProductFactory(features=0, image=name, image_width=480, image_height=360)
    response = admin_client.post(change_page(third), change_data(third, **{"image-clear": "on"}))
    assert response.status_code == 302
    third.refresh_from_db()
    assert third.image.name == ""
    assert_intact(fresh_s3, name, content)

    # Deleting a product that shows it, through the admin's confirmation page.
    delete_page = reverse("admin:catalog_product_delete", args=[other.pk])
    assert admin_client.post(delete_page, {"post": "yes"}).status_code == 302
    assert not Product.objects.filter(pk=other.pk).exists()
    assert_intact(fresh_s3, name, content)


def test_if_empty_stores_again_the_pictures_a_restarted_media_server_lost(fresh_s3):
    # The demo's local S3 server keeps files in memory, its database on disk.
    seed("--products", "30")
    names = set(Product.objects.values_list("image", flat=True))
    fresh_s3.reset()
    out = StringIO()
    call_command("seed_catalog", "--if-empty", "--products", "30", stdout=out)
    assert f"Stored {len(names)} missing product pictures again." in out.getvalue()
    assert Product.objects.count() == 30
    for name in names:
        with Image.open(io.BytesIO(stored_bytes(fresh_s3, name))) as image:
            assert image.format == "WEBP"
    # Once there, nothing more is stored.
    keys = bucket_keys(fresh_s3)
    call_command("seed_catalog", "--if-empty", verbosity=0)
    assert bucket_keys(fresh_s3) == keys
