"""seed_catalog's product pictures: drawn once, stored once on the versioned media
bucket (the local S3 server), shared by products, and never deleted by one of them."""

import functools
import io
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image, ImageChops

from catalog import product_images
from catalog.demo_categories import Noun
from catalog.demo_data import CATEGORIES, COLOURS
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


def all_pictures() -> list[tuple[Noun, str]]:
    """Every (noun, colour name) a seeded product can have."""
    return [(noun, colour) for spec in CATEGORIES for noun in spec.nouns for colour in spec.colours]


def decoded(content: bytes) -> Image.Image:
    with Image.open(io.BytesIO(content)) as image:
        return image.convert("RGB")


def test_every_noun_has_a_drawing_of_its_own():
    pictures = [noun.picture for spec in CATEGORIES for noun in spec.nouns]
    assert len(pictures) == len(set(pictures)) > 50
    assert set(pictures) == set(product_images.DRAWINGS)  # none missing, none left over


def test_every_picture_a_product_can_get_is_a_small_webp():
    for noun, colour in all_pictures():
        content = product_images.draw(noun.picture, COLOURS[colour])
        assert len(content) < 8_000, (noun.name, colour)  # a few KB for page weight
        with Image.open(io.BytesIO(content)) as image:
            assert (image.format, image.size) == ("WEBP", product_images.SIZE)


def test_pictures_of_different_nouns_differ():
    """In one colour, any two nouns' pictures differ in a good part of the picture."""
    pictures = {
        name: decoded(product_images.draw(name, COLOURS["Navy"]))
        for name in product_images.DRAWINGS
    }
    names = sorted(pictures)
    width, height = product_images.SIZE
    for i, name in enumerate(names):
        for other in names[i + 1 :]:
            # A pixel changed when any channel moved by more than 32: not encoding noise.
            bands = ImageChops.difference(pictures[name], pictures[other]).split()
            changed = functools.reduce(ImageChops.lighter, bands).point(lambda v: v > 32)
            share = sum(changed.histogram()[1:]) / (width * height)
            assert share > 0.04, (name, other, share)  # the closest pair, 6%: two booklets


def near(image: Image.Image, colour: str, tolerance: int = 24) -> float:
    """The share of the picture's pixels within `tolerance` of `colour` in each channel."""
    target = product_images._rgb(colour)
    bands = [
        band.point(lambda v, t=t: abs(v - t) <= tolerance and 255)
        for band, t in zip(image.split(), target, strict=True)
    ]
    both = ImageChops.multiply(ImageChops.multiply(bands[0], bands[1]), bands[2])
    return sum(both.histogram()[1:]) / (image.width * image.height)


@pytest.mark.parametrize("colour", ["Red", "Forest green"])
def test_every_drawing_shows_the_colour_it_is_given(colour):
    hex_colour, other = COLOURS[colour], COLOURS["Navy"]
    for name in product_images.DRAWINGS:
        own = near(decoded(product_images.draw(name, hex_colour)), hex_colour)
        elsewhere = near(decoded(product_images.draw(name, other)), hex_colour)
        # Part of the object takes the colour (a knife only its handle: 1.7% of the picture),
        # beyond what it shows in any colour (a red pencil in the desk organizer).
        assert own - elsewhere > 0.008, (name, own, elsewhere)


def noun_of(product: Product) -> Noun:
    """The noun a seeded product's name ends with (names are "<brand/adjective> <noun>")."""
    spec = next(c for c in CATEGORIES if c.slug == product.category.slug)
    (noun,) = [n for n in spec.nouns if product.name.endswith(f" {n.name}")]
    return noun


def test_a_seeded_products_picture_is_its_nouns_drawing_in_its_colour(fresh_s3):
    seed("--products", "150")
    products = list(Product.objects.select_related("category").prefetch_related("features"))
    nouns = set()
    for product in products:
        noun = noun_of(product)
        nouns.add(noun.picture)
        colour = {f.name: f.value for f in product.features.all()}["Colour"]
        expected = product_images.draw(noun.picture, COLOURS[colour])
        assert product.image.name.startswith(f"{product_images.FOLDER}/{noun.picture}-")
        assert stored_bytes(fresh_s3, product.image.name) == expected, product.name
    # Products of one category show different drawings: Kitchen is not all kettles.
    assert len(nouns) > 40


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


def test_a_picture_deleted_on_the_bucket_is_stored_again_by_the_demos_next_start(fresh_s3):
    """The demo seeds with --if-empty at each start (README, "What the demo keeps")."""
    seed("--products", "5")
    name = Product.objects.first().image.name
    default_storage.delete(name)  # a delete marker on top
    out = StringIO()
    call_command("seed_catalog", "--if-empty", stdout=out)
    assert "Stored 1 missing product picture again." in out.getvalue()
    assert default_storage.exists(name)


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


def test_if_empty_names_the_lost_pictures_no_drawing_here_makes_again(fresh_s3):
    """A picture is named by a hash of its bytes: one drawn by an earlier drawing or
    encoder (Pillow and libwebp are in Pipfile.lock) is not made again. The seed
    said only "nothing seeded" while the pages showed broken images."""
    seed("--products", "5")
    product = Product.objects.order_by("pk").first()
    stale = f"{product_images.FOLDER}/headlamp-navy-0123456789ab.webp"
    Product.objects.filter(pk=product.pk).update(image=stale)
    out, err = StringIO(), StringIO()
    call_command("seed_catalog", "--if-empty", stdout=out, stderr=err)
    assert "1 product picture is missing and is no drawing of this version" in err.getvalue()
    assert stale in err.getvalue()
    assert "seed_catalog --clear`, which deletes every product and category" in err.getvalue()
