"""Every kind of image file, through both upload paths, onto the local S3 server.

The avatar form (accounts) and the product image in the admin (catalog) both use
config/media/uploads.py; each case of tests/images.py is posted through each of them
with the real test client, and what is stored is read back from the bucket with
boto3: it must be of an accepted kind, carry no metadata, stand upright and keep
its frames.
"""

import io
from dataclasses import dataclass

import pytest
from django.core.files.storage import default_storage
from PIL import Image, ImageChops, ImageStat

from accounts.models import Profile
from catalog.models import Product
from config.local import s3 as locals3
from config.media.uploads import IMAGE_MAX_PIXELS
from tests.catalog.test_admin_media import change_data, change_page
from tests.conftest import bucket_keys, stored_bytes
from tests.factories import PROFILE_FIELDS, ProductFactory, UserFactory, stored_as, upload
from tests.images import (
    ACCEPTED,
    JPEG,
    REFUSED,
    SECRETS,
    SRGB,
    UPRIGHT_SIZE,
    WITH_METADATA,
)

pytestmark = pytest.mark.django_db

EXTENSIONS = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
ERRORS = {
    "invalid_image": "Upload a JPEG, PNG, WebP or GIF image.",
    "too_many_pixels": "too large in pixels",
    "too_many_frames": "too many frames",
    "too_many_scans": "too many progressive scans",
    "too_many_blocks": "too many small blocks",
    "too_many_lines": "too long and thin",
    "too_much_memory": "too much memory to",
    "too_much_metadata": "too much metadata",
    "unsupported_animation": "cannot be stored as",
}


@dataclass
class Posted:
    response: object
    name: str  # the storage name the row holds now ("" when nothing was saved)
    size: tuple[int | None, int | None] | None  # the row's width and height fields, if any


@pytest.fixture(params=["avatar form", "product admin"])
def post_image(request, client, admin_client, fresh_s3):
    """`post_image(filename, content)`: upload through one path; what the row holds after."""
    if request.param == "avatar form":
        user = UserFactory(profile__display_name="Ada L.")
        client.force_login(user)

        def post(filename: str, content: bytes) -> Posted:
            avatar = upload(filename, content, "application/octet-stream")
            response = client.post("/accounts/profile/edit/", {**PROFILE_FIELDS, "avatar": avatar})
            return Posted(response, Profile.objects.get(user=user).avatar.name, None)

    else:
        product = ProductFactory(features=0)

        def post(filename: str, content: bytes) -> Posted:
            data = change_data(product, image=upload(filename, content, "image/png"))
            response = admin_client.post(change_page(product), data)
            row = Product.objects.get(pk=product.pk)
            return Posted(response, row.image.name, (row.image_width, row.image_height))

    return post


def frame_count(image: Image.Image) -> int:
    return getattr(image, "n_frames", 1)


@pytest.mark.parametrize("case", ACCEPTED)
def test_every_image_a_person_calls_jpeg_png_webp_or_gif_is_stored_as_that_kind(
    post_image, fresh_s3, case
):
    content, kind = ACCEPTED[case]
    posted = post_image("photo.png", content)

    assert posted.response.status_code == 302
    folder = posted.name.split("/")[0]
    assert stored_as(posted.name, f"{folder}/", EXTENSIONS[kind])
    head = fresh_s3.client().head_object(Bucket=locals3.MEDIA_BUCKET, Key=posted.name)
    assert head["ContentType"] == CONTENT_TYPES[kind]
    uploaded = Image.open(io.BytesIO(content))
    with Image.open(io.BytesIO(stored_bytes(fresh_s3, posted.name))) as stored:
        assert stored.format == kind  # an MPO is stored as a plain JPEG
        assert stored.size == uploaded.size
        # Animations keep their frames as a browser shows them (identical frames that
        # follow one another are one); a camera's extra MPO pictures are dropped.
        if kind == "JPEG":
            assert frame_count(stored) == 1
        else:
            assert len(frames_of(stored)) == len(frames_of(uploaded))
        if posted.size is not None:
            assert posted.size == stored.size


@pytest.fixture
def largest_allocation(monkeypatch):
    """The most pixels Pillow set aside for one image while the test ran: a canvas,
    a frame, what a cleared GIF frame leaves (Image.core's `new` and `fill`)."""
    sizes = [0]

    def recording(made):
        def make(mode, size, *args):
            sizes.append(size[0] * size[1])
            return made(mode, size, *args)

        return make

    for name in ("new", "fill"):
        monkeypatch.setattr(Image.core, name, recording(getattr(Image.core, name)))
    return lambda: max(sizes)


@pytest.mark.parametrize("case", REFUSED)
def test_anything_else_is_a_form_error_naming_the_accepted_kinds(
    post_image, fresh_s3, largest_allocation, case
):
    content, code = REFUSED[case]
    posted = post_image("photo.png", content)

    assert posted.response.status_code == 200
    assert ERRORS[code] in posted.response.content.decode()
    assert posted.name == ""
    assert bucket_keys(fresh_s3) == []
    # Refused before Pillow held more than an accepted picture may: a 63-byte GIF
    # declaring 169 megapixels in a cleared frame made it fill 645 MiB.
    assert largest_allocation() <= IMAGE_MAX_PIXELS


def test_an_empty_file_is_a_form_error_naming_the_accepted_kinds(post_image, fresh_s3):
    posted = post_image("photo.png", b"")

    assert posted.response.status_code == 200
    page = posted.response.content.decode()
    assert ERRORS["invalid_image"] in page
    assert "empty" in page
    assert posted.name == ""
    assert bucket_keys(fresh_s3) == []


# What Pillow reports of metadata it read: EXIF, XMP, IPTC, comments, MPO's index.
METADATA_KEYS = {"exif", "xmp", "XML:com.adobe.xmp", "photoshop", "comment", "mp", "mpoffset"}


def frames_of(image: Image.Image) -> list[tuple[bytes, int]]:
    """Each picture's RGBA pixels and how long it shows, as a browser shows them: a
    delay of 10 ms or less as 100 ms (Chromium and Firefox, for GIF, APNG and WebP),
    and identical frames that follow one another as one picture, their times added
    (writers join them so)."""
    found: list[tuple[bytes, int]] = []
    for index in range(frame_count(image)):
        image.seek(index)
        pixels = image.convert("RGBA").tobytes()
        duration = image.info.get("duration", 0)
        shown = 100 if duration <= 10 else duration
        if found and found[-1][0] == pixels:
            found[-1] = (pixels, found[-1][1] + shown)
        else:
            found.append((pixels, shown))
    return found


@pytest.mark.parametrize("case", WITH_METADATA)
def test_stored_images_carry_no_metadata_and_stand_upright(post_image, fresh_s3, case):
    content, kind = WITH_METADATA[case]
    assert [secret for secret in SECRETS if secret in content]  # the case carries some
    posted = post_image("me.jpg", content)

    assert posted.response.status_code == 302
    stored = stored_bytes(fresh_s3, posted.name)
    assert [secret for secret in SECRETS if secret in stored] == []
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == kind
        assert dict(image.getexif()) == {}
        assert METADATA_KEYS & set(image.info) == set()
        assert getattr(image, "text", {}) == {}  # PNG tEXt, iTXt and zTXt chunks
        # Orientation 6 applied: the sideways sensor pixels are now a portrait,
        # with the red block in the top-left corner where the photographer saw it.
        assert image.size == UPRIGHT_SIZE
        top_left, bottom_right = (image.convert("RGB").getpixel(xy) for xy in [(2, 2), (27, 37)])
        assert top_left[0] > 200
        assert max(top_left[1:]) < 80
        assert bottom_right[1] > 150  # not red
    if posted.size is not None:
        assert posted.size == UPRIGHT_SIZE


def test_the_colour_profile_is_kept(post_image, fresh_s3):
    posted = post_image("me.jpg", WITH_METADATA["jpeg from a phone"][0])
    with Image.open(io.BytesIO(stored_bytes(fresh_s3, posted.name))) as image:
        assert image.info.get("icc_profile") == SRGB


LOSSLESS = [case for case in ACCEPTED if ACCEPTED.expected(case) in ("PNG", "GIF")]
LOSSLESS += [
    "webp lossless, transparent",
    "webp animated",
    "webp of frames repeated at 10 ms and 0 ms",
]


@pytest.mark.parametrize("case", LOSSLESS)
def test_lossless_images_keep_every_pixel_frame_and_timing(post_image, fresh_s3, case):
    content, _ = ACCEPTED[case]
    posted = post_image("picture.gif", content)

    assert posted.response.status_code == 302
    with (
        Image.open(io.BytesIO(content)) as uploaded,
        Image.open(io.BytesIO(stored_bytes(fresh_s3, posted.name))) as stored,
    ):
        assert stored.mode == uploaded.mode  # 16-bit, palette, 1-bit and alpha kept
        assert frames_of(stored) == frames_of(uploaded)
        assert stored.info.get("loop") == uploaded.info.get("loop")


@pytest.mark.parametrize("case", [case for case in ACCEPTED if ACCEPTED.expected(case) == "JPEG"])
def test_jpegs_are_encoded_again_without_visible_loss(post_image, fresh_s3, case):
    content, _ = ACCEPTED[case]
    posted = post_image("photo.jpg", content)

    with (
        Image.open(io.BytesIO(content)) as uploaded,
        Image.open(io.BytesIO(stored_bytes(fresh_s3, posted.name))) as stored,
    ):
        assert stored.mode == uploaded.mode  # CMYK stays CMYK
        # Each component quantised by its own table again, whatever the tables' numbers.
        assert tables_by_component(stored) == tables_by_component(uploaded)
        difference = ImageChops.difference(uploaded.convert("RGB"), stored.convert("RGB"))
        assert max(ImageStat.Stat(difference).mean) < 3  # of 255, per channel


def tables_by_component(image: Image.Image) -> list[list[int]]:
    """The quantisation table each component of a JPEG uses (Image.layer: id,
    sampling, and the number of its table)."""
    return [list(image.quantization[table]) for *_, table in image.layer]


# Names the form accepts (at most the field's 100 characters) that the storage must
# still fit under "avatars/" or "products/", a second time with its collision suffix.
# Django's storage takes everything after a name's first dot as its extension and
# can only shorten what comes before it.
STORABLE_NAMES = {
    "long, an early dot": "a" + ".b" * 47 + ".png",
    "long, dots only after the first letter": "x" + "." * 94 + ".png",
    "long, no dot but the extension": "p" * 96 + ".png",
    "long, unicode": "é" * 96 + ".png",
    "dots and the extension only": "....png",
    "a dot file": ".png",
    "a date with dots": "photo.2026.12.01.jpg",
    "an emoji": "😀.png",
    "a symbol": "★.jpg",
    "a dash and a space": "— .png",
    "spaces": "my photo.png",
}


@pytest.mark.parametrize("case", STORABLE_NAMES)
def test_a_name_the_form_accepts_is_stored_every_time(post_image, case):
    filename = STORABLE_NAMES[case]
    for _ in range(2):  # the second is stored beside the first, under a new name
        posted = post_image(filename, JPEG)
        assert posted.response.status_code == 302, case
        _, stored = posted.name.split("/")
        assert len(posted.name) <= 100
        assert stored.endswith(".jpg")
        assert stored.count(".") == 1  # no part of the name is taken for an extension
        assert not stored.startswith(".")
        assert default_storage.exists(posted.name)


def test_a_webp_over_its_budget_is_told_its_own_limit_and_another_format(post_image, fresh_s3):
    """libwebp decodes through two full RGBA canvases: a 25-megapixel WebP peaked at
    629 to 728 MB above the process, where the same picture as a PNG took 192 MB."""
    content, _ = REFUSED["webp over its 4 megapixels"]
    posted = post_image("photo.webp", content)
    page = posted.response.content.decode()
    assert "the limit for WebP is 4 megapixels, 3.5 with transparency" in page
    assert "upload it as a JPEG or PNG" in page
    assert bucket_keys(fresh_s3) == []
