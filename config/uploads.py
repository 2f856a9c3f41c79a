"""Uploaded images, judged by their content: never by their name or the browser's word.

`validate_image(file)` accepts a JPEG, PNG, WebP or GIF of at most
`settings.IMAGE_UPLOAD_MAX_BYTES` bytes and `IMAGE_MAX_PIXELS` pixels, and raises a
ValidationError with a message a form can show otherwise. Pillow reads only the
header to learn the format and the canvas size, so a decompression bomb (a small
file declaring a huge canvas) is refused before any pixel is decoded; `verify()`
then checks the file's structure, as Django's own ImageField does.

`ImageUploadField` is the model field to use for images (avatars now, product
images next). Its form field, `ImageUploadFormField`, runs the check on each new
upload only: a file already stored (perhaps on S3) is not fetched again on every
save. It also gives the file the extension and the content type of the detected
format, so it is always served as what it is: a GIF posted as `page.html` with
`Content-Type: text/html` is stored as `page.gif`, `image/gif`. (S3 storages keep
the content type an upload carries, and serve it back on every download.)
"""

from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.template.defaultfilters import filesizeformat
from PIL import Image

# Pillow's format name -> the extension and the content type a stored file gets.
IMAGE_EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
IMAGE_CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
# The content types browsers may offer in the file picker (a hint, never trusted).
ACCEPT = ",".join(IMAGE_CONTENT_TYPES.values())
# 25 megapixels: more than any avatar or product photo needs, and decoding it
# later (a thumbnail) costs at most ~100 MB, which a 512 MB dyno can afford.
IMAGE_MAX_PIXELS = 25_000_000

NOT_AN_IMAGE = (
    "Upload a JPEG, PNG, WebP or GIF image. This file is not one: "
    "it was checked by its content, not its name."
)
TOO_MANY_PIXELS = (
    "This image is too large in pixels; the limit is %(limit)s megapixels. "
    "Scale it down and upload it again."
)


def validate_image(file) -> str:
    """Check an uploaded file; return its Pillow format name (`JPEG`, `PNG`, ...)."""
    limit = settings.IMAGE_UPLOAD_MAX_BYTES
    if file.size > limit:
        raise ValidationError(
            "This file is %(size)s; an image may be at most %(limit)s.",
            code="file_too_large",
            params={"size": filesizeformat(file.size), "limit": filesizeformat(limit)},
        )
    too_many_pixels = ValidationError(
        TOO_MANY_PIXELS, code="too_many_pixels", params={"limit": IMAGE_MAX_PIXELS // 1_000_000}
    )
    file.seek(0)
    try:
        with Image.open(file, formats=list(IMAGE_EXTENSIONS)) as image:
            if image.width * image.height > IMAGE_MAX_PIXELS:
                raise too_many_pixels
            image_format = image.format
            image.verify()
    except Image.DecompressionBombError:
        # Pillow's own limit (about 179 megapixels) fires while reading the header.
        raise too_many_pixels from None
    except ValidationError:
        raise
    except Exception as exc:
        # Pillow raises many types for malformed data (OSError, SyntaxError,
        # ValueError, struct.error...): all of them mean "not an image we accept".
        raise ValidationError(NOT_AN_IMAGE, code="invalid_image") from exc
    finally:
        file.seek(0)
    return image_format


class ImageUploadFormField(forms.FileField):
    """A file field that accepts only images passing `validate_image`."""

    def __init__(self, **kwargs):
        if not kwargs.get("help_text"):
            limit = filesizeformat(settings.IMAGE_UPLOAD_MAX_BYTES)
            kwargs["help_text"] = f"JPEG, PNG, WebP or GIF, at most {limit}."
        super().__init__(**kwargs)

    def to_python(self, data):
        file = super().to_python(data)
        if file is None:
            return None
        image_format = validate_image(file)
        file.name = Path(file.name).stem + IMAGE_EXTENSIONS[image_format]
        # The browser's claim would otherwise become the stored object's content type.
        file.content_type = IMAGE_CONTENT_TYPES[image_format]
        return file

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "accept": ACCEPT}


class ImageUploadField(models.ImageField):
    """An ImageField whose forms (ModelForm, admin) validate uploads with `validate_image`."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": ImageUploadFormField, **kwargs})

    def update_dimension_fields(self, instance, force=False, *args, **kwargs):
        """Sizes are read when a file is assigned (`force`), never when a row is loaded.

        Django's ImageField reads a missing width or height on every load, which
        here means a GET from the media bucket per row, and a 500 for a whole page
        once that file is gone. A row written without its size keeps it empty.
        """
        if force:
            super().update_dimension_fields(instance, force, *args, **kwargs)
