"""factory-boy factories, one section per app."""

import io
import struct
import zlib

import factory
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import Company

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
