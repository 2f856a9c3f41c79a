"""Uploaded images, judged by their content: never by their name or the browser's word.

`clean_image(file)` accepts a JPEG, PNG, WebP or GIF of at most
`settings.IMAGE_UPLOAD_MAX_BYTES` bytes, `IMAGE_MAX_PIXELS` pixels (all frames
of an animation together; `WEBP_MAX_PIXELS` for a WebP, `WEBP_ALPHA_MAX_PIXELS`
with transparency; each GIF frame counted as
at least `reencode.GIF_FRAME_PIXELS`), `IMAGE_MAX_LINES` for its longest sides
added up, `IMAGE_MAX_FRAMES` frames, for a JPEG `IMAGE_MAX_SCANS` progressive
scans and `IMAGE_MAX_DECODE_BYTES` of memory to decode (`decode_bytes`: a
progressive one holds more than its pixels), and no more small blocks around
the picture than real files hold (config/media/blocks.py), and returns its
`ImageKind` and the bytes to store: the picture written again without its
metadata (config/media/reencode.py). Anything else raises a ValidationError with
a message a form can show. A "JPEG" is whatever Pillow opens as one, subclasses
included: many cameras' JPEGs are MPO files (several pictures, e.g. a depth map),
stored as a plain JPEG of the first. Pillow
reads only the header to learn the format, the canvas and the frame count, so a
decompression bomb (a small file declaring a huge canvas, thousands of frames, or
thousands of scans each decoded over the whole picture) is refused before any
pixel is decoded; `verify()` then checks the file's
structure, as Django's own ImageField does, and decoding it for the re-encode
refuses what is cut short.

`ImageUploadField` is the model field to use for images (avatars and product
images). Its form field, `ImageUploadFormField`, runs the check on each new upload
only: a file already stored (perhaps on S3) is not fetched again on every save. It
stores the re-encoded file under the extension and the content type of its kind, so
it is always served as what it is: a GIF posted as `page.html` with
`Content-Type: text/html` is stored as `page.gif`, `image/gif`. (S3 storages keep
the content type an upload carries, and serve it back on every download.)
"""

import io
import threading
import warnings
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models.fields.files import FieldFile, ImageFileDescriptor
from django.template.defaultfilters import filesizeformat
from django.utils.crypto import get_random_string
from PIL import GifImagePlugin, Image, ImageFile, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

from config.media.blocks import (
    PNG_SIGNATURE,
    jpeg_first_scan_components,
    png_chunk_names,
    too_many_blocks,
)
from config.media.reencode import (
    ANIMATION_CANVAS_BYTES,
    ANIMATION_FRAME_BYTES,
    TooManyLines,
    TooManyPixels,
    TooMuchMemory,
    animation_bytes,
    apng_default_image_short,
    apng_shown_otherwise,
    draws_partly_transparent_over,
    frame_pixels,
    gif_shown_otherwise,
    reencode,
    turns_upright,
    with_webp_alpha,
    without_ignored_chunks,
)


@dataclass(frozen=True)
class ImageKind:
    """One kind of image the site accepts, and what a stored file of that kind is."""

    name: str  # Pillow's format name, which the stored file has
    plugin: type[ImageFile.ImageFile]  # what Pillow opens it as, subclasses included
    extension: str
    content_type: str
    animated: bool  # whether its frames are kept (not a JPEG's: an MPO's other pictures)


# APNG is a PNG to Pillow, animated WebP a WebP, and MPO a JPEG (a subclass).
KINDS = (
    ImageKind("JPEG", JpegImagePlugin.JpegImageFile, ".jpg", "image/jpeg", animated=False),
    ImageKind("PNG", PngImagePlugin.PngImageFile, ".png", "image/png", animated=True),
    ImageKind("WEBP", WebPImagePlugin.WebPImageFile, ".webp", "image/webp", animated=True),
    ImageKind("GIF", GifImagePlugin.GifImageFile, ".gif", "image/gif", animated=True),
)
# The content types browsers may offer in the file picker (a hint, never trusted).
ACCEPT = ",".join(kind.content_type for kind in KINDS)
# 25 megapixels: more than any avatar or product photo needs, and decoding it
# for the re-encode costs ~100 MB (twice that while it is turned upright), which a
# 512 MB dyno can afford. An animation's frames count together: all are held.
IMAGE_MAX_PIXELS = 25_000_000
# A WebP costs four times and more what its pixels cost in another format: libwebp
# decodes through two full RGBA canvases, and Pillow's copy and the encoder's
# buffers come on top. A 25-megapixel WebP peaked at 629 to 728 MB above the
# process while it was checked and written again (192 MB as a PNG), past a 512 MB
# dyno. Writing it again costs more for noisy pictures, and more again with
# transparency (its alpha plane is compressed losslessly on its own): noisy
# 6-megapixel WebPs peaked 213 MiB up, 310 with transparency, and a noisy lossless
# one of 5 megapixels 214. At 4 megapixels, and 3.5 with transparency, they peak
# at 171 to 185 MiB, within what a turned 25-megapixel JPEG takes
# (IMAGE_MAX_DECODE_BYTES).
WEBP_MAX_PIXELS = 4_000_000
WEBP_ALPHA_MAX_PIXELS = 3_500_000
# Pillow keeps a pointer and more for each row of a picture, and turning it
# upright makes its longest side the rows: a 49 KB PNG of 1 x 25,000,000 pixels
# raised a process's peak by 215 MiB, one of 25,000,000 x 1 turned by its EXIF by
# 382 MiB, and a 70 KB APNG of 1,000 frames of 1 x 25,000 by 576 MiB, past a
# 512 MB dyno. The longest sides of all frames together may be a million pixels:
# a 5000 x 5000 picture has 5,000, 140 frames of 480 x 360 have 67,200.
IMAGE_MAX_LINES = 1_000_000
# Each frame costs time to decode and write again whatever its size: a 5 MB GIF can
# hold 150,000 one-pixel frames (over a minute of work). 1,000 is 100 s at 10 fps.
IMAGE_MAX_FRAMES = 1_000
# A progressive JPEG is decoded in scans, each a pass over the whole picture, and
# a scan that refines nothing takes a dozen bytes: a 28 KB file of 2,000 scans
# kept a 1-megapixel decode busy 1-2 s, and 5 MB holds some 350,000
# (libjpeg-turbo's "LJT-01-003"; its advice is a limit). Encoders write about 10
# (libjpeg's and mozjpeg's progressive scripts); at 100, a 25-megapixel file
# decoded in at most 2.5 s (tests/bench/jpeg_scans.py, docs/production.md).
IMAGE_MAX_SCANS = 100
# Decoding a picture and writing it again holds its pixels (Pillow keeps up to 4
# bytes a pixel), and a second copy while it is turned upright: 200 MB at 25
# megapixels, measured 194 MiB for a turned baseline JPEG. A progressive JPEG holds
# more while it is read: libjpeg keeps every coefficient of the picture until the
# last scan, 2 bytes for each sample of each component at its sampling, 6 bytes a
# pixel in full colour (3 at a phone's 4:2:0, 8 for CMYK), beside Pillow's pixels.
# An accepted 25-megapixel progressive JPEG peaked 240 MiB above the process, a
# turned CMYK one 384 MiB. Each upload may hold what a turned 25-megapixel baseline
# JPEG holds (`decode_bytes`).
IMAGE_MAX_DECODE_BYTES = 2 * 4 * IMAGE_MAX_PIXELS
# One picture at a time in each process, from opening it to writing it again: a
# 25-megapixel picture holds ~100 MB until then, and three uploads at once in one
# worker raised its peak by 288 MiB, past a 512 MB dyno with the other worker beside
# it. A picture takes a few seconds at most (the slowest, a 25-megapixel lossless
# WebP, about 5 s to write again: config/media/reencode.py), so an upload that waits
# longer than this was queued behind a flood of them: it gets a form error rather
# than holding its thread.
DECODING = threading.BoundedSemaphore(1)
DECODE_WAIT_SECONDS = 10

# Pillow's own limits, set to the site's, for every image this process opens. Pillow
# checks the size of a canvas, and of each GIF frame, before it sets memory aside for
# it (in Image.open, and in seek() for the frames), where the check of all frames
# together comes after. It refuses above twice MAX_IMAGE_PIXELS (179 megapixels by
# default): a 63-byte GIF whose second frame declared 169 and was cleared after it
# showed made it fill 645 MiB. Its warning above MAX_IMAGE_PIXELS itself says nothing
# the checks here do not.
Image.MAX_IMAGE_PIXELS = IMAGE_MAX_PIXELS // 2
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
# A PNG's text chunks are decompressed as it is opened, up to 64 MB by default (a
# 66 KB file held 128 MiB), and then dropped with the other metadata. More than 8 MB
# of them (an editor's XMP history runs to a few hundred KB) makes Pillow refuse it.
PngImagePlugin.MAX_TEXT_MEMORY = 8 * 2**20

NOT_AN_IMAGE = (
    "Upload a JPEG, PNG, WebP or GIF image. This file is not one: "
    "it was checked by its content, not its name."
)
# Django's FileField answers a file of 0 bytes itself, before `clean_image` runs,
# with "The submitted file is empty.": the one refusal that did not say what to
# upload.
EMPTY = "Upload a JPEG, PNG, WebP or GIF image. This file is empty: it holds no bytes."
TOO_MANY_PIXELS = (
    "This image is too large in pixels (the frames of an animation count together); "
    "the limit is %(limit)s megapixels. Scale it down and upload it again."
)
TOO_MANY_WEBP_PIXELS = (
    "This image is too large in pixels (the frames of an animation count together); "
    "the limit for WebP is %(limit)s megapixels, %(alpha_limit)s with transparency, since "
    "decoding one takes four times the memory of a JPEG or PNG. Scale it down, or "
    "upload it as a JPEG or PNG."
)
TOO_MANY_FRAMES = "This animation has too many frames; the limit is %(limit)s."
# Animation writers (Pillow's APNG writer, libwebp's, Pillow's GIF writer) tell one
# frame from the next in 8-bit RGBA, and join frames they find alike: frames of
# 16-bit greys (PNG's one mode Pillow keeps at 16 bits) that differ above 255 were
# joined, three frames stored as the first alone. An animation in any other mode
# is refused, not stored otherwise than it was uploaded.
ANIMATED_MODES = ("1", "L", "LA", "P", "PA", "RGB", "RGBA")
UNSUPPORTED_ANIMATION = (
    "This animation's frames have 16 bits per grey value, which cannot be stored "
    "as an animation. Save it with 8 bits, as editors do by default, and upload it again."
)
# Pillow draws an APNG frame over the one before (blend op OVER) with its alpha as
# the mask, and its partly transparent pixels came out more transparent than
# browsers show them, a grey's transparent value opaque
# (`draws_partly_transparent_over`): refused, as above.
UNSUPPORTED_BLEND = (
    "This animation draws frames over the ones before them through partly transparent "
    "pixels, or a transparent grey, which cannot be stored as browsers show them. Save "
    "it with each frame whole, replacing the one before, and upload it again."
)
# Pillow fills a cleared APNG frame's place with black (or palette entry 0) where
# browsers show it transparent, and never takes away a frame drawn over others and
# put back (`apng_shown_otherwise`): refused, as above.
UNSUPPORTED_APNG_CANVAS = (
    "This animation clears parts of its picture without an alpha channel, or puts back "
    "a frame drawn over the ones before, which cannot be stored as browsers show it. "
    "Save it with each frame whole, replacing the one before, and upload it again."
)
# Pillow fills a GIF's screen with an opaque colour where browsers show it transparent,
# or puts back a frame browsers leave (`gif_shown_otherwise`): refused, as above.
UNSUPPORTED_GIF_CANVAS = (
    "This GIF leaves parts of its picture transparent (around a first frame smaller than "
    "the picture, or where a frame is cleared or put back) without a transparent colour, "
    "or puts frames back in a way (or one the GIF format leaves undefined) that cannot "
    "be stored as browsers show them. Save it "
    "with a transparent colour, or with each frame covering the whole picture, and upload "
    "it again."
)
TOO_MANY_LINES = (
    "This image is too long and thin: its longest side, added up over the frames "
    "of an animation, may be at most %(limit)s pixels. Crop or scale it and upload "
    "it again."
)
BUSY = (
    "The site is busy with other images right now, so nothing was saved. "
    "Please upload it again in a minute."
)
TOO_MUCH_MEMORY = (
    "This JPEG takes too much memory to decode: stored in several passes (progressive, "
    "or one a colour), all of it is kept until the last. The limit for it is %(limit)s "
    "megapixels: scale it down, or save it as a standard (baseline) JPEG."
)
TOO_MUCH_ANIMATION_MEMORY = (
    "This animation takes too much memory to write again. Two frames may have "
    "%(megapixels)s megapixels each, and more frames fewer: at %(width)s x %(height)s "
    "pixels, %(frames)s. Use fewer or smaller frames."
)
TOO_MANY_SCANS = (
    "This JPEG is saved in too many progressive scans; the limit is %(limit)s. "
    "Save it again from an image editor and upload it again."
)
TOO_MANY_BLOCKS = (
    "This file is made of too many small blocks around its picture (metadata, "
    "comments or padding) to be read quickly. Save it again from an image editor "
    "and upload it again."
)
# Pillow inflates at most 1 MB of a PNG's colour profile or of one text chunk
# (PngImagePlugin.MAX_TEXT_CHUNK), and MAX_TEXT_MEMORY of text in all, and raises a
# ValueError naming the limit past either.
TOO_MUCH_METADATA = (
    "This image carries too much metadata (a colour profile or text of more than "
    "1 MB, or more than 8 MB of text in all). Save it again without its metadata "
    '(an editor\'s "Export" or "Save for web") and upload it again.'
)
PILLOW_METADATA_LIMITS = ("MAX_TEXT_CHUNK", "MAX_TEXT_MEMORY")


def png_chunks(data: bytes, name: bytes) -> int:
    """How many chunks called `name` a PNG holds, read from the chunk headers alone:
    nothing is decoded."""
    return sum(found == name for found in png_chunk_names(data))


def jpeg_scans(data: bytes) -> int:
    """At least as many as the scans a decoder could read in `data`, counted without
    decoding: every scan starts with the marker bytes FF DA, which a JPEG's coded data
    never holds (an FF there is followed by 00). Metadata may hold them too, as may an
    MPO's other pictures or an EXIF thumbnail, so this may count a few more."""
    return data.count(b"\xff\xda")


def webp_max_pixels(image: Image.Image) -> int:
    """The pixels a WebP (opened, and `with_webp_alpha`) may have: fewer with
    transparency, as it is decoded (an animation whose header says it has none is
    decoded with the transparency of its canvas)."""
    return WEBP_ALPHA_MAX_PIXELS if image.mode == "RGBA" else WEBP_MAX_PIXELS


def animation_max_canvas(frames: int) -> int:
    """The most pixels each of `frames` frames may have."""
    return IMAGE_MAX_DECODE_BYTES // (ANIMATION_FRAME_BYTES * frames + ANIMATION_CANVAS_BYTES)


def too_much_animation_memory(width: int, height: int) -> ValidationError:
    """The form error for an animation of frames of width x height over the memory rule:
    how many frames that size allows, and how large two frames may be (rounded down)."""
    most = (
        IMAGE_MAX_DECODE_BYTES // (width * height) - ANIMATION_CANVAS_BYTES
    ) // ANIMATION_FRAME_BYTES
    return ValidationError(
        TOO_MUCH_ANIMATION_MEMORY,
        code="too_much_memory",
        params={
            "width": width,
            "height": height,
            "frames": f"{most} frames at most" if most > 1 else "none",
            "megapixels": f"{animation_max_canvas(2) // 100_000 / 10:.1f}",
        },
    )


def decode_bytes(image: Image.Image, data: bytes) -> int:
    """The most memory decoding `image` (opened from `data`, not loaded) and writing it
    again holds: Pillow's pixels, and beside them the larger of a turned copy and the
    coefficients libjpeg keeps of a JPEG read in several scans (freed once it is
    decoded, before it is turned): a progressive one, or one whose first scan holds
    fewer components than the picture (a baseline JPEG may give each its own scan).

    Within the pixel limit only such a JPEG can pass IMAGE_MAX_DECODE_BYTES, so only
    its EXIF is read for the orientation here (config/media/reencode.py reads it
    again; a large block costs time to parse); any other picture counts as turned."""
    pixels = image.width * image.height
    if not isinstance(image, JpegImagePlugin.JpegImageFile) or not (
        image.info.get("progressive")
        or (jpeg_first_scan_components(data) or len(image.layer)) < len(image.layer)
    ):
        return 2 * 4 * pixels
    # Each component's blocks of 8x8 samples at its sampling, 2 bytes a sample.
    coefficients = 0
    h_max = max(h for _, h, _, _ in image.layer)
    v_max = max(v for _, _, v, _ in image.layer)
    for _, h, v, _ in image.layer:
        columns = -(-image.width * h // (8 * h_max))
        rows = -(-image.height * v // (8 * v_max))
        coefficients += columns * rows * 64 * 2
    turned = 4 * pixels if turns_upright(image, data) else 0
    return 4 * pixels + max(turned, coefficients)


def kind_of(image: Image.Image) -> ImageKind | None:
    """The accepted kind Pillow opened `image` as, or None: never a lookup that raises."""
    return next((kind for kind in KINDS if isinstance(image, kind.plugin)), None)


def sizes_apart(size: int, limit: int) -> tuple[str, str]:
    """`size` and `limit` as a person reads them (5.1 MB), in bytes where rounding
    to a tenth would show a size just over the limit as the limit itself."""
    shown = filesizeformat(size), filesizeformat(limit)
    if shown[0] == shown[1]:
        return f"{size:,}\xa0bytes", f"{limit:,}\xa0bytes ({shown[1]})"
    return shown


def clean_image(file) -> tuple[ImageKind, bytes]:
    """Check an uploaded file; return its kind and the bytes to store (see module doc)."""
    limit = settings.IMAGE_UPLOAD_MAX_BYTES
    if file.size > limit:
        size, most = sizes_apart(file.size, limit)
        raise ValidationError(
            "This file is %(size)s; an image may be at most %(limit)s.",
            code="file_too_large",
            params={"size": size, "limit": most},
        )
    if not DECODING.acquire(timeout=DECODE_WAIT_SECONDS):
        raise ValidationError(BUSY, code="busy")
    try:
        return _checked_and_written_again(file)
    finally:
        DECODING.release()
        file.seek(0)


def _checked_and_written_again(file) -> tuple[ImageKind, bytes]:
    too_many_pixels = ValidationError(
        TOO_MANY_PIXELS, code="too_many_pixels", params={"limit": IMAGE_MAX_PIXELS // 1_000_000}
    )
    not_an_image = ValidationError(NOT_AN_IMAGE, code="invalid_image")
    too_many_lines = ValidationError(
        TOO_MANY_LINES, code="too_many_lines", params={"limit": f"{IMAGE_MAX_LINES:,}"}
    )
    file.seek(0)
    data = file.read()
    file.seek(0)
    # Before Pillow opens it: it reads every block around the picture in Python.
    if too_many_blocks(data):
        raise ValidationError(TOO_MANY_BLOCKS, code="too_many_blocks")
    # The PNG spec allows one colour profile (iCCP). Pillow inflates each it meets,
    # up to 1 MB, with no total, as it opens the file: 5 MB of them took 13 s.
    if data.startswith(PNG_SIGNATURE) and png_chunks(data, b"iCCP") > 1:
        raise not_an_image
    if data.startswith(PNG_SIGNATURE):
        data = without_ignored_chunks(data)
        file = io.BytesIO(data)
    try:
        with Image.open(file, formats=[kind.name for kind in KINDS]) as image:
            kind = kind_of(image)
            if kind is None:
                raise not_an_image
            with_webp_alpha(image, data)  # decoded with it, and counted so
            frames = image.n_frames if kind.animated else 1
            if frames > IMAGE_MAX_FRAMES:
                raise ValidationError(
                    TOO_MANY_FRAMES, code="too_many_frames", params={"limit": IMAGE_MAX_FRAMES}
                )
            if frames > 1 and image.mode not in ANIMATED_MODES:
                raise ValidationError(UNSUPPORTED_ANIMATION, code="unsupported_animation")
            if kind.name == "WEBP" and image.width * image.height * frames > webp_max_pixels(image):
                raise ValidationError(
                    TOO_MANY_WEBP_PIXELS,
                    code="too_many_pixels",
                    params={
                        "limit": f"{WEBP_MAX_PIXELS / 1_000_000:g}",
                        "alpha_limit": f"{WEBP_ALPHA_MAX_PIXELS / 1_000_000:g}",
                    },
                )
            if frame_pixels(kind.name, image.width, image.height, frames) * frames > (
                IMAGE_MAX_PIXELS
            ):
                raise too_many_pixels
            if max(image.width, image.height) * frames > IMAGE_MAX_LINES:
                raise too_many_lines
            if kind.name == "JPEG" and jpeg_scans(data) > IMAGE_MAX_SCANS:
                raise ValidationError(
                    TOO_MANY_SCANS, code="too_many_scans", params={"limit": IMAGE_MAX_SCANS}
                )
            if frames > 1 and animation_bytes(image.width, image.height, frames) > (
                IMAGE_MAX_DECODE_BYTES
            ):
                raise too_much_animation_memory(image.width, image.height)
            held = decode_bytes(image, data)
            if held > IMAGE_MAX_DECODE_BYTES:
                per_pixel = held / (image.width * image.height)
                raise ValidationError(
                    TOO_MUCH_MEMORY,
                    code="too_much_memory",
                    params={"limit": int(IMAGE_MAX_DECODE_BYTES / per_pixel // 1_000_000)},
                )
            if kind.name == "PNG" and apng_default_image_short(data):
                raise not_an_image  # browsers show none of it
            if kind.name == "PNG" and frames > 1 and draws_partly_transparent_over(data, frames):
                raise ValidationError(UNSUPPORTED_BLEND, code="unsupported_animation")
            if kind.name == "PNG" and frames > 1 and apng_shown_otherwise(data, frames):
                raise ValidationError(UNSUPPORTED_APNG_CANVAS, code="unsupported_animation")
            if kind.name == "GIF" and gif_shown_otherwise(data, frames, image.size):
                raise ValidationError(UNSUPPORTED_GIF_CANVAS, code="unsupported_animation")
            image.verify()
        budget = webp_max_pixels(image) if kind.name == "WEBP" else IMAGE_MAX_PIXELS
        content = reencode(
            data,
            kind.name,
            animated=kind.animated,
            max_pixels=budget,
            max_lines=IMAGE_MAX_LINES,
            max_bytes=IMAGE_MAX_DECODE_BYTES,
        )
        return kind, content
    except (Image.DecompressionBombError, TooManyPixels):
        # Pillow's own limit (see MAX_IMAGE_PIXELS) fires while reading a header.
        raise too_many_pixels from None
    except TooManyLines:
        raise too_many_lines from None
    except TooMuchMemory as grown:  # a GIF frame larger than the canvas its header gave
        raise too_much_animation_memory(*grown.args) from None
    except ValidationError:
        raise
    except ValueError as exc:
        if any(limit in str(exc) for limit in PILLOW_METADATA_LIMITS):
            raise ValidationError(TOO_MUCH_METADATA, code="too_much_metadata") from None
        raise not_an_image from exc
    except Exception as exc:
        # Pillow raises many types for malformed data (OSError, SyntaxError,
        # ValueError, EOFError, struct.error...): all mean "not an image we accept".
        raise not_an_image from exc


def stored_name(kind: ImageKind) -> str:
    """16 random characters and the kind's extension: nothing of the uploaded name.

    The name a device gave a file may say who or what is in it ("Jane Doe
    passport.jpg"), and a stored name is public: an avatar's URL is on its
    company's page for anyone to read.

    The random part gives every upload a key no other row ever had. The storage
    asks S3 whether a name is taken, and a key whose current version is a delete
    marker answers "no": an upload named like a deleted file (phones call every
    photo image.jpg) went on top of it, so restoring the deleted file replaced
    the newer upload, on another user's profile. Two uploads of one name at the
    same moment shared a key the same way. 62**16 names make a repeat unheard of.
    """
    return f"{get_random_string(16)}{kind.extension}"


class ImageUploadFormField(forms.FileField):
    """A file field that accepts only images passing `clean_image`, and keeps their clean copy."""

    default_error_messages = {"empty": EMPTY}

    def __init__(self, **kwargs):
        # The upload is renamed (stored_name): the name the browser sends needs no
        # limit of its own, where Django's would refuse a long one ("at most 100
        # characters"). Django's parser still refuses a file part whose headers pass
        # 1 KB, name included (the 400 page): more than a name on Linux (255 bytes)
        # or Windows (255 UTF-16 units, 765 bytes) takes.
        kwargs["max_length"] = None
        if not kwargs.get("help_text"):
            limit = filesizeformat(settings.IMAGE_UPLOAD_MAX_BYTES)
            kwargs["help_text"] = f"JPEG, PNG, WebP or GIF, at most {limit}."
        super().__init__(**kwargs)

    def to_python(self, data):
        file = super().to_python(data)
        if file is None:
            return None
        kind, content = clean_image(file)
        # Named and typed by its kind: the browser's claim would otherwise become
        # the stored object's content type.
        return SimpleUploadedFile(stored_name(kind), content, kind.content_type)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "accept": ACCEPT}


def _stored_name(value) -> str | None:
    """The storage name `value` stands for, or None: no file, or one not stored yet."""
    if isinstance(value, str):
        return value
    if isinstance(value, FieldFile) and value._committed:
        return value.name
    return None


class KeptSizeDescriptor(ImageFileDescriptor):
    """Assigning the file a row already holds keeps its width and height.

    A ModelForm's save assigns every field again, an image left as it was
    included, and Django's descriptor then measured it: it opened the stored
    file (a HEAD to S3, and its bytes downloaded). A product whose picture had
    been deleted could not be edited at all (FileNotFoundError, a 500), nor could
    any product while S3 was down. Only a file not yet stored, or another name,
    is measured now.
    """

    def __set__(self, instance, value):
        stored = _stored_name(instance.__dict__.get(self.field.attname))
        if stored is not None and stored == _stored_name(value):
            instance.__dict__[self.field.attname] = value  # FileDescriptor's own __set__
            return
        super().__set__(instance, value)


class ImageUploadField(models.ImageField):
    """An ImageField whose forms (ModelForm, admin) check and re-encode uploads (`clean_image`)."""

    descriptor_class = KeptSizeDescriptor

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
