"""factory-boy factories, one section per app."""

import io
import re
import struct
import zlib
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Company
from catalog.models import Category, Feature, Product

# --- accounts -----------------------------------------------------------------

PASSWORD = "correct-horse-battery-staple"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")
    website = "https://example.com/"


class UserFactory(factory.django.DjangoModelFactory):
    """A user with the password PASSWORD; its profile comes from the app's receiver."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def profile(user, create, extracted, **fields):
        """`UserFactory(profile__company=c, profile__display_name="Ada")` fills the profile in."""
        if create and fields:
            for name, value in fields.items():
                setattr(user.profile, name, value)
            user.profile.save(update_fields=list(fields))


# --- uploads ------------------------------------------------------------------


def image_bytes(image_format: str = "PNG", size: tuple[int, int] = (8, 8), mode="RGB") -> bytes:
    """A real image file's content, made by Pillow."""
    buffer = io.BytesIO()
    Image.new(mode, size, "white" if mode != "1" else 1).save(buffer, image_format)
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares a canvas of width x height: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    pixels = zlib.compress(b"")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def upload(name: str, content: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    """A file as a browser would post it (name and content type are the client's word)."""
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_as(name: str, folder: str, extension: str) -> bool:
    """Whether `name` is how an upload is stored in `folder` ("avatars/") as a file of
    `extension` (".png"): 16 random characters, nothing of the uploaded name
    (config/media/uploads.py, stored_name)."""
    return (
        re.fullmatch(rf"{re.escape(folder)}[A-Za-z0-9]{{16}}{re.escape(extension)}", name)
        is not None
    )


# --- catalog ------------------------------------------------------------------


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    description = "Things worth having."


class ProductFactory(factory.django.DjangoModelFactory):
    """A published product with `features` (default 3) features at positions 0, 1, 2..."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Product {n:05d}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = "A fine product."
    price = factory.Sequence(lambda n: Decimal(10 + n % 90) + Decimal("0.99"))
    category = factory.SubFactory(CategoryFactory)

    @factory.post_generation
    def features(product, create, extracted, **kwargs):
        count = 3 if extracted is None else extracted
        if create and count:
            Feature.objects.bulk_create(
                Feature(
                    product=product, name=f"Feature {i}", value=f"{product.name} {i}", position=i
                )
                for i in range(count)
            )


class FeatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feature

    product = factory.SubFactory(ProductFactory, features=0)
    name = factory.Sequence(lambda n: f"Feature {n}")
    value = "yes"
    position = factory.Sequence(lambda n: n)


# The profile form's text fields as a browser sends them beside an avatar: each one,
# here empty (config/forms.py refuses a form that leaves one out).
PROFILE_FIELDS = {"display_name": "", "bio": ""}
