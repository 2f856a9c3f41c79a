import io
import random
import re
import struct
import tracemalloc
import zlib

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from PIL import Image, ImageChops, ImageCms, ImageStat, _webp
from PIL.PngImagePlugin import PngInfo

from accounts.models import Profile
from config.media import blocks, profiles, uploads
from config.media import reencode as reencode_module
from config.media.reencode import TooManyLines, TooManyPixels, frame_pixels, reencode
from config.media.uploads import ImageUploadFormField, clean_image
from tests.conftest import bucket_keys
from tests.factories import UserFactory, image_bytes, png_declaring, stored_as, upload
from tests.images import (
    ACCEPTED,
    MIDDLE,
    REFUSED,
    SRGB,
    TRANSPARENT_BY_VALUE,
    UPRIGHT_SIZE,
    WHOLE,
    animation_with_a_large_exif,
    apng_drawn_over,
    apng_of_whole_frames,
    flat_jpeg,
    gif_of_placed_frames,
    gif_of_tiles,
    gif_of_tiny_frames,
    jpeg_declaring,
    lossless_jpeg,
    picture,
    png_chunk,
    png_with_exif_chunks,
    save,
)
from tests.processes import BASE_DIR


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP", "GIF"])
def test_accepted_formats(image_format):
    kind, content = clean_image(upload("x.bin", image_bytes(image_format)))
    assert kind.name == image_format
    assert Image.open(io.BytesIO(content)).format == image_format


def noisy_picture(image_format: str) -> bytes:
    """A 64x48 picture of random pixels, saved by Pillow with its defaults."""
    pixels = random.Random(1).randbytes(64 * 48 * 3)  # noqa: S311 (the same every run)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (64, 48), pixels).save(buffer, image_format)
    return buffer.getvalue()


@pytest.mark.parametrize("image_format", ["PNG", "GIF"])
def test_a_png_or_gif_without_metadata_is_written_again_byte_for_byte(image_format):
    for content in (image_bytes(image_format), noisy_picture(image_format)):
        assert clean_image(upload("x.bin", content))[1] == content


def test_a_jpeg_is_encoded_again_with_its_own_quantisation_tables():
    """Not byte for byte: a second encoding of a noisy picture moves a few
    coefficients (a single-colour one comes back identical). A lossy WebP is encoded
    again at quality 90."""
    content = noisy_picture("JPEG")
    stored = clean_image(upload("x.bin", content))[1]
    assert stored != content
    assert (
        Image.open(io.BytesIO(stored)).quantization == Image.open(io.BytesIO(content)).quantization
    )
    assert clean_image(upload("x.bin", image_bytes("JPEG")))[1] == image_bytes("JPEG")


def code_of(file) -> str:
    with pytest.raises(ValidationError) as error:
        clean_image(file)
    return error.value.code


@pytest.mark.parametrize(
    "content",
    [b"GIF89a but not really", b"", image_bytes("BMP"), image_bytes("PNG")[:40]],
    ids=["text", "empty", "bmp", "truncated-png"],
)
def test_anything_else_is_not_an_image(content):
    assert code_of(upload("x.png", content)) == "invalid_image"


def test_decompression_bombs_are_refused_before_decoding():
    # Over Pillow's own limit (it raises DecompressionBombError)...
    assert code_of(upload("x.png", png_declaring(40_000, 40_000))) == "too_many_pixels"
    # ...and over ours (25 megapixels), a real, valid image.
    big = image_bytes("PNG", (6_000, 5_000), mode="1")
    assert len(big) < 100_000
    assert code_of(upload("x.png", big)) == "too_many_pixels"


def test_size_limit_follows_the_setting(settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="at most 100"):
        clean_image(upload("x.png", image_bytes("PNG", (64, 64)) + bytes(100)))


@pytest.mark.parametrize(
    ("limit", "over", "size", "most"),
    [
        (5 * 2**20, 1, "5,242,881 bytes", "5,242,880 bytes (5.0 MB)"),
        (5 * 2**20, 52_000, "5,294,880 bytes", "5,242,880 bytes (5.0 MB)"),
        (5 * 2**20, 53_000, "5.1 MB", "5.0 MB"),
        (5 * 2**20, 320_000, "5.3 MB", "5.0 MB"),  # docs/production.md
        (100, 1, "101 bytes", "100 bytes"),
    ],
)
def test_a_file_over_the_limit_is_told_a_size_above_it(settings, limit, over, size, most):
    """Both sizes were rounded to a tenth of a MB: a file up to 5.05 MB over 5 MB
    was "5.0 MB; an image may be at most 5.0 MB"."""
    settings.IMAGE_UPLOAD_MAX_BYTES = limit
    with pytest.raises(ValidationError) as refused:
        clean_image(upload("x.png", bytes(limit + over)))
    said = f"This file is {size}; an image may be at most {most}."
    assert refused.value.messages == [said.replace(" MB", "\xa0MB").replace(" bytes", "\xa0bytes")]


def test_a_valid_image_just_under_5_mb_goes_through(settings):
    assert settings.IMAGE_UPLOAD_MAX_BYTES == settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 5 * 2**20
    content = image_bytes("PNG", (8, 8)) + bytes(5 * 2**20 - 200)
    kind, stored = clean_image(upload("x.png", content))
    # Stored as a PNG: the picture alone, without what followed it in the file.
    assert (kind.name, stored) == ("PNG", image_bytes("PNG", (8, 8)))


def test_form_field_names_the_file_after_its_content():
    field = ImageUploadFormField(required=False)
    content = image_bytes("GIF")
    cleaned = field.clean(upload("holiday.html", content, "text/html"))
    assert stored_as(cleaned.name, "", ".gif")
    assert cleaned.content_type == "image/gif"
    assert cleaned.read() == content  # rewound for storage
    assert field.clean(None, initial="avatars/kept.png") == "avatars/kept.png"
    assert "at most 5.0" in field.help_text


def test_an_empty_file_is_told_the_kinds_the_field_takes():
    """Django's FileField answers a file of 0 bytes before the image check runs, with
    its own "The submitted file is empty.": the one refusal that did not say what
    to upload."""
    field = ImageUploadFormField(required=False)
    with pytest.raises(ValidationError) as refused:
        field.clean(upload("photo.png", b""))
    assert refused.value.code == "empty"
    assert refused.value.messages[0].startswith("Upload a JPEG, PNG, WebP or GIF image.")
    assert "empty" in refused.value.messages[0]


def test_model_forms_and_the_admin_use_the_checked_field():
    avatar = Profile._meta.get_field("avatar")
    assert isinstance(avatar.formfield(), ImageUploadFormField)
    request = RequestFactory().get("/")
    admin_field = admin.site._registry[Profile].formfield_for_dbfield(avatar, request)
    assert isinstance(admin_field, ImageUploadFormField)


@pytest.mark.parametrize(
    ("image_format", "reads_expected", "size"),
    [
        ("PNG", 1, UPRIGHT_SIZE),  # every frame turned upright
        # Browsers show a WebP as its pixels lie: its EXIF is not read at all.
        ("WEBP", 0, UPRIGHT_SIZE[::-1]),
    ],
)
def test_an_animations_exif_is_read_once_whatever_its_frames(
    image_format, reads_expected, size, monkeypatch
):
    """Read per frame, a large EXIF block cost its size times the frames: an 857 KB
    animated PNG was half an hour of a dyno thread."""
    content = animation_with_a_large_exif(image_format, frames=20)
    reads = []
    read = reencode_module._exif_orientation
    monkeypatch.setattr(
        reencode_module, "_exif_orientation", lambda block: reads.append(1) or read(block)
    )
    _, stored = clean_image(upload("sideways.png", content))
    assert len(reads) == reads_expected  # not once per frame
    with Image.open(io.BytesIO(stored)) as image:
        assert image.n_frames == 20
        assert image.size == size
        assert not image.getexif()


def test_one_picture_is_decoded_at_a_time_and_a_long_wait_is_a_form_error(monkeypatch):
    """Decoding a 25-megapixel upload holds ~100 MB until it is written again: three
    at once in one worker raised its peak by 288 MiB, past a 512 MB dyno with the
    other worker. Each process decodes one at a time; an upload that waits too long
    gets a form error instead of holding its thread."""
    monkeypatch.setattr(uploads, "DECODE_WAIT_SECONDS", 0.2)
    content = image_bytes("PNG")
    # Not even opened meanwhile: opening a GIF may fill its first frame's canvas.
    opened = []
    monkeypatch.setattr(Image, "open", lambda *args, **kwargs: opened.append(args))
    with uploads.DECODING, pytest.raises(ValidationError) as busy:  # another thread's decode
        clean_image(upload("a.png", content))
    assert busy.value.code == "busy"
    assert opened == []
    monkeypatch.undo()
    assert "nothing was saved" in busy.value.messages[0]
    assert clean_image(upload("a.png", content))[0].name == "PNG"  # free again


@pytest.mark.django_db
def test_a_busy_decoder_is_shown_on_the_form(client, monkeypatch, fresh_s3):
    monkeypatch.setattr(uploads, "DECODE_WAIT_SECONDS", 0.2)
    client.force_login(UserFactory())
    with uploads.DECODING:
        response = client.post(
            "/accounts/profile/edit/", {"avatar": upload("a.png", image_bytes("PNG"))}
        )
    assert response.status_code == 200
    assert "busy with other images" in response.content.decode()
    assert bucket_keys(fresh_s3) == []


def test_a_gif_without_transparency_is_not_written_frame_by_whole_frame():
    """Clearing each frame (disposal 2) matters only where a pixel turns transparent
    again; without transparency it made Pillow write every frame whole, and an
    optimiser's GIF (disposal 1, the last frame 2) grew from 59 KB to 1.2 MB."""
    frames = []
    for n in range(30):
        frame = Image.linear_gradient("L").resize((200, 200)).convert("RGB")
        frame.paste((255, 0, 0), (n * 6, 0, n * 6 + 6, 6))  # a small change per frame
        frames.append(frame.convert("P", palette=Image.Palette.ADAPTIVE))
    buffer = io.BytesIO()
    disposal = [1] * 29 + [2]
    frames[0].save(
        buffer, "GIF", save_all=True, append_images=frames[1:], duration=50, disposal=disposal
    )
    upload_bytes = buffer.getvalue()
    stored = reencode(upload_bytes, "GIF", animated=True, max_pixels=25_000_000)
    assert len(stored) < 2 * len(upload_bytes), (len(upload_bytes), len(stored))


def test_a_gif_animations_frames_count_as_at_least_100000_pixels_each():
    """Writing a GIF animation again chooses each frame's 256 colours anew, which
    costs more per pixel on small frames: 870 frames of 158x158, each of its own
    colours (5 MB, 22 megapixels), took 10 to 13 s of CPU. Counted while
    decoding too, where a GIF's later frames may be larger than its header says."""
    with pytest.raises(TooManyPixels):
        reencode(gif_of_tiny_frames(251), "GIF", animated=True, max_pixels=25_000_000)
    black, white = Image.new("L", (100, 100)), Image.new("L", (100, 100), 255)
    two_gif = save(black, "GIF", save_all=True, append_images=[white])
    with pytest.raises(TooManyPixels):
        reencode(two_gif, "GIF", animated=True, max_pixels=2 * 100_000 - 1)
    assert reencode(two_gif, "GIF", animated=True, max_pixels=2 * 100_000)
    # A still GIF counts its own pixels only; so do other formats' frames.
    assert reencode(save(black, "GIF"), "GIF", animated=True, max_pixels=10_000)
    two_png = save(black, "PNG", save_all=True, append_images=[white])
    assert reencode(two_png, "PNG", animated=True, max_pixels=20_000)


# docs/production.md's trade-off: the most frames an animation of each size may have.
MOST_FRAMES = {
    ("PNG", 480, 360): "about 126 frames",
    ("GIF", 480, 360): "about 126 frames",
    ("PNG", 1000, 1000): "one 20,",
    ("GIF", 1000, 1000): "one 20,",
    ("GIF", 1, 1): "250 at most",
}


@pytest.mark.parametrize("shape", MOST_FRAMES)
def test_the_docs_say_how_many_frames_an_animation_may_have(shape):
    image_format, width, height = shape
    said = MOST_FRAMES[shape]
    assert said in " ".join((BASE_DIR / "docs" / "production.md").read_text().split())

    def fits(frames):
        pixels = frame_pixels(image_format, width, height, frames) * frames
        held = uploads.animation_bytes(width, height, frames)
        return pixels <= uploads.IMAGE_MAX_PIXELS and held <= uploads.IMAGE_MAX_DECODE_BYTES

    most = max(n for n in range(2, uploads.IMAGE_MAX_FRAMES + 1) if fits(n))
    number = int(re.search(r"(\d+)(?: frames|,| at most)", said).group(1))
    assert most == number or (said.startswith("about") and abs(most - number) <= number // 20)


def test_a_gif_whose_frames_pile_up_colours_is_written_again_close_to_the_upload():
    """Frames of 256 colours each, side by side: Pillow decodes each as the picture
    so far, which holds thousands of colours; choosing 256 among them by median cut
    took some 30 s for 250 such frames, by the octree method 1.5 s."""
    upload = gif_of_tiles(64)
    with Image.open(io.BytesIO(upload)) as before:
        before.seek(before.n_frames - 1)
        assert before.convert("RGB").getcolors(256) is None  # more than 256
    stored = reencode(upload, "GIF", animated=True, max_pixels=25_000_000)
    with Image.open(io.BytesIO(upload)) as before, Image.open(io.BytesIO(stored)) as after:
        assert after.n_frames == before.n_frames
        before.seek(before.n_frames - 1)
        after.seek(after.n_frames - 1)
        difference = ImageChops.difference(before.convert("RGB"), after.convert("RGB"))
        assert max(ImageStat.Stat(difference).mean) < 16


def test_writing_again_counts_the_longest_side_of_every_frame():
    """Counted while decoding too, where a GIF's later frames may be larger than
    its header says."""
    frames = [Image.new("L", (1, 500), 255 * (n % 2)) for n in range(3)]
    long_thin = save(frames[0], "PNG", save_all=True, append_images=frames[1:])
    with pytest.raises(TooManyLines):
        reencode(long_thin, "PNG", animated=True, max_pixels=25_000_000, max_lines=1_499)
    assert reencode(long_thin, "PNG", animated=True, max_pixels=25_000_000, max_lines=1_500)


def test_the_docs_give_the_limits_the_uploads_check():
    """docs/production.md's figures for the block counts and the longest sides."""
    text = " ".join((BASE_DIR / "docs" / "production.md").read_text().split())
    said = {
        f"more than {blocks.JPEG_MAX_SEGMENTS} segments",
        f"more than {blocks.JPEG_MAX_STEPS:,} stray bytes",
        f"more than {blocks.PNG_MAX_OTHER_CHUNKS} chunks besides its pixel data",
        f"or {blocks.PNG_MAX_PIXEL_CHUNKS:,} pixel chunks",
        f"more than {blocks.GIF_MAX_EXTENSIONS:,} extensions, {blocks.GIF_MAX_IMAGES:,} images, "
        f"{blocks.GIF_MAX_SUB_BLOCKS:,} sub-blocks",
        f"or {blocks.GIF_MAX_STRAY_BYTES:,} stray bytes",
        f"WebP of more than {blocks.WEBP_MAX_CHUNKS:,} chunks",
        f"may be at most {uploads.IMAGE_MAX_LINES:,} pixels",
        f"{uploads.IMAGE_MAX_DECODE_BYTES // 1_000_000} MB (`IMAGE_MAX_DECODE_BYTES`",
        "a full-colour progressive JPEG may have 20 megapixels, a turned CMYK one 16",
        f"animation counts {uploads.ANIMATION_FRAME_BYTES} bytes a pixel of every frame and "
        f"{uploads.ANIMATION_CANVAS_BYTES} of one",
        f"A WebP may have {uploads.WEBP_MAX_PIXELS / 1e6:g} megapixels, not 25, and "
        f"{uploads.WEBP_ALPHA_MAX_PIXELS / 1e6:g} with transparency",
    }
    assert {claim for claim in said if claim not in text} == set()
    assert (blocks.JPEG_MAX_QUANTISATION_LENGTH - 2) // 129 == 4  # "more than four tables"


def test_a_lossy_webp_saved_at_a_low_quality_is_stored_larger():
    """Written again at quality 90 (docs/production.md says a stored file can pass
    the upload limit because of this)."""
    content = save(picture(size=(400, 300)), "WEBP", quality=10)
    kind, stored = clean_image(upload("low.webp", content, "image/webp"))
    assert kind.name == "WEBP"
    assert len(stored) > len(content)


@pytest.mark.parametrize("orientation", [None, 6], ids=["as taken", "turned"])
@pytest.mark.parametrize("subsampling", [0, 1, 2], ids=["4:4:4", "4:2:2", "4:2:0"])
@pytest.mark.parametrize("mode", ["L", "RGB", "CMYK"])
def test_every_baseline_jpeg_the_pixel_limit_takes_fits_the_memory_limit(
    mode, subsampling, orientation
):
    """25 megapixels, turned or not, with a camera's thumbnail (scans of its own)."""
    header = jpeg_declaring(
        5000, 5000, mode=mode, subsampling=subsampling, orientation=orientation, thumbnail=True
    )
    with Image.open(io.BytesIO(header)) as image:
        assert not image.info.get("progressive")
        assert uploads.decode_bytes(image, header) <= uploads.IMAGE_MAX_DECODE_BYTES


@pytest.mark.parametrize(
    ("size", "options", "fits"),
    [
        # A phone's 12 megapixels, turned: 4:2:0 and its coefficients take less than
        # the turned copy.
        ((4000, 3000), {"subsampling": 2, "orientation": 6}, True),
        ((5000, 5000), {"subsampling": 2, "orientation": 6}, True),
        # Full colour: 6 bytes of coefficients a pixel on Pillow's 4.
        ((5000, 4000), {}, True),
        ((5000, 5000), {}, False),
        ((4000, 4000), {"mode": "CMYK", "orientation": 6}, True),
        ((5000, 4000), {"mode": "CMYK", "orientation": 6}, False),
    ],
)
def test_a_progressive_jpeg_counts_the_coefficients_its_decoder_keeps(size, options, fits):
    header = jpeg_declaring(*size, progressive=True, **options)
    with Image.open(io.BytesIO(header)) as image:
        assert (uploads.decode_bytes(image, header) <= uploads.IMAGE_MAX_DECODE_BYTES) == fits


def test_a_progressive_jpeg_over_the_memory_limit_is_told_the_megapixels_it_may_have():
    header = jpeg_declaring(5000, 5000, progressive=True)
    with pytest.raises(ValidationError) as refused:
        clean_image(upload("photo.jpg", header, "image/jpeg"))
    assert refused.value.code == "too_much_memory"
    assert "20 megapixels" in refused.value.messages[0]


def test_a_progressive_jpeg_is_stored_baseline():
    """Writing a progressive JPEG keeps every coefficient again, and a buffer of up to
    4 bytes a pixel for the output: the upload's peak would come twice."""
    content = save(picture(size=(400, 300)), "JPEG", progressive=True)
    kind, stored = clean_image(upload("photo.jpg", content, "image/jpeg"))
    with Image.open(io.BytesIO(stored)) as image:
        assert kind.name == "JPEG"
        assert not image.info.get("progressive")


@pytest.mark.parametrize(
    ("mode", "size"), [("RGB", (2000, 2000)), ("RGBA", (2000, 1750))], ids=["opaque", "alpha"]
)
def test_a_webp_at_its_limit_is_stored(mode, size):
    content = save(Image.new(mode, size, "red"), "WEBP", quality=50)
    kind, _ = clean_image(upload("photo.webp", content, "image/webp"))
    assert kind.name == "WEBP"


def png_chunks_before_pixels(data: bytes) -> list[tuple[bytes, bytes]]:
    chunks, offset = [], 8
    while offset + 8 <= len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        name = data[offset + 4 : offset + 8]
        if name == b"IDAT":
            break
        chunks.append((name, data[offset + 8 : offset + 8 + length]))
        offset += 12 + length
    return chunks


COLOURS = {
    # gAMA 1/1.8 (an old Mac's), cHRM Adobe RGB's primaries, cICP Display P3.
    "gamma, chromaticities and cicp": [
        (b"gAMA", (55556).to_bytes(4, "big")),
        (
            b"cHRM",
            b"".join(
                v.to_bytes(4, "big")
                for v in (31270, 32900, 64000, 33000, 21000, 71000, 15000, 6000)
            ),
        ),
        (b"cICP", bytes([12, 13, 0, 1])),
    ],
    "srgb": [(b"sRGB", b"\x00"), (b"gAMA", (45455).to_bytes(4, "big"))],
}


@pytest.mark.parametrize("case", COLOURS)
def test_a_pngs_colour_chunks_are_kept(case):
    """How to show the colours, as the ICC profile is kept: dropped, a picture saved
    with gamma 1.8 or in Display P3 showed other colours in Chromium."""
    info = PngInfo()
    for name, body in COLOURS[case]:
        info.add(name, body)
    content = save(picture(size=(40, 30)), "PNG", pnginfo=info)
    _, stored = clean_image(upload("colours.png", content))
    kept = dict(png_chunks_before_pixels(stored))
    assert {name: kept.get(name) for name, _ in COLOURS[case]} == dict(COLOURS[case])


# Bytes that are no colour: kept, they went to the media bucket whole.
HIDDEN = b"GPS 48.8584N 2.2945E, Jane Doe " * 50


@pytest.mark.parametrize("name", [b"gAMA", b"cHRM", b"sRGB", b"cICP"])
def test_a_colour_chunk_longer_than_its_kind_is_left_out(name):
    """Each colour chunk is a few bytes long by the PNG spec (gAMA 4, cHRM 32, sRGB 1,
    cICP 4): one carrying more held whatever the bytes after those were."""
    right = dict(COLOURS["gamma, chromaticities and cicp"] + COLOURS["srgb"])[name]
    info = PngInfo()
    info.add(name, right + HIDDEN)
    _, stored = clean_image(
        upload("colours.png", save(picture(size=(40, 30)), "PNG", pnginfo=info))
    )
    assert HIDDEN[:20] not in stored
    assert name not in dict(png_chunks_before_pixels(stored))


def with_a_private_tag(profile: bytes, data: bytes) -> bytes:
    """`profile` with one more tag, of a signature no ICC version registers, holding
    `data`: a well-formed profile, which littlecms reads."""
    count = int.from_bytes(profile[128:132], "big")
    table_end = 132 + 12 * count
    entries = b""
    for at in range(132, table_end, 12):
        offset = int.from_bytes(profile[at + 4 : at + 8], "big") + 12
        entries += profile[at : at + 4] + offset.to_bytes(4, "big") + profile[at + 8 : at + 12]
    block = b"data" + bytes(4) + data
    block += bytes(-len(block) % 4)
    new = len(profile) + 12
    entries += b"zzzz" + new.to_bytes(4, "big") + len(block).to_bytes(4, "big")
    whole = profile[4:128] + (count + 1).to_bytes(4, "big") + entries + profile[table_end:] + block
    return (len(whole) + 4).to_bytes(4, "big") + whole


def measured(profile: bytes) -> bytes:
    """`profile` with its header's size set to its length."""
    return len(profile).to_bytes(4, "big") + profile[4:]


def with_id_and_reserved(profile: bytes, data: bytes) -> bytes:
    """`profile` whose ID (an MD5, or zeros) and reserved header bytes hold `data`."""
    return profile[:84] + data[:44].ljust(44, b"!") + profile[128:]


def repeating_its_data(tags: int, length: int) -> bytes:
    """A profile of `tags` registered tags, each naming the same `length` bytes but a
    little fewer than the last: each would be written again on its own."""
    signatures = sorted(profiles.TAGS)[:tags]
    table_end = 132 + 12 * len(signatures)
    entries = b"".join(
        signature + table_end.to_bytes(4, "big") + (length - 4 * n).to_bytes(4, "big")
        for n, signature in enumerate(signatures)
    )
    return measured(SRGB[:128] + len(signatures).to_bytes(4, "big") + entries + bytes(length))


NO_PROFILES = {
    "text": HIDDEN,
    "no acsp signature": SRGB[:36] + b"xxxx" + SRGB[40:],
    "cut short": measured(SRGB[:300]),
    "tags naming the same data again and again": repeating_its_data(49, 100_000),
}
# Pillow writes no ICC profile into a GIF: the three formats that carry one.
WITH_PROFILES = ["JPEG", "PNG", "WEBP"]


@pytest.mark.parametrize("kind", WITH_PROFILES)
@pytest.mark.parametrize("case", NO_PROFILES)
def test_a_colour_profile_that_is_no_profile_is_left_out(kind, case):
    """An ICC profile is kept for the colours it describes; bytes under its name that
    are no well-formed profile describe none (browsers show such a picture as sRGB),
    and went to the bucket whole."""
    content = save(picture(size=(40, 30)), kind, icc_profile=NO_PROFILES[case])
    with Image.open(io.BytesIO(content)) as image:  # a PNG's is compressed
        assert image.info["icc_profile"] == NO_PROFILES[case]
    _, stored = clean_image(upload(f"profile.{kind.lower()}", content))
    assert HIDDEN[:20] not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.info.get("icc_profile")


@pytest.mark.parametrize("kind", WITH_PROFILES)
@pytest.mark.parametrize(
    "profile",
    [
        with_a_private_tag(SRGB, HIDDEN),
        measured(SRGB + HIDDEN),
        SRGB + HIDDEN,
        with_id_and_reserved(SRGB, HIDDEN),
    ],
    ids=["a private tag", "bytes no tag holds", "bytes after its size", "its id and reserved"],
)
def test_a_profiles_bytes_that_describe_no_colour_are_left_out_and_its_colours_kept(kind, profile):
    """A private tag holds any bytes at all, and so does the space a profile's size
    counts beyond its tags; the registered tags describe the colours."""
    assert ImageCms.ImageCmsProfile(io.BytesIO(profile))  # well-formed: littlecms reads it
    content = save(picture(size=(40, 30)), kind, icc_profile=profile)
    with Image.open(io.BytesIO(content)) as image:  # a PNG's is compressed
        assert image.info["icc_profile"] == profile
    _, stored = clean_image(upload(f"profile.{kind.lower()}", content))
    assert HIDDEN[:20] not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.info.get("icc_profile") == SRGB


def test_a_profile_is_never_written_larger_than_it_came():
    """littlecms takes up to 100 tags, each of which may name the same data: written
    again tag by tag, a 1.5 KB PNG (its profile compressed) held hundreds of MB."""
    profile = repeating_its_data(49, 1_000_000)
    content = save(picture(size=(40, 30)), "PNG", icc_profile=profile)
    assert len(content) < 10_000
    tracemalloc.start()
    try:
        _, stored = clean_image(upload("small.png", content))
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 20 * 2**20
    assert len(stored) < len(content) * 2


def test_a_colour_profile_after_the_palette_is_left_out():
    """Decoders ignore an iCCP after PLTE, as a gAMA there: Pillow reads it, and wrote
    it before the palette, where it changed the colours shown."""
    buffer = io.BytesIO()
    Image.new("P", (40, 30), 1).save(buffer, "PNG")
    data = buffer.getvalue()
    at = data.index(b"IDAT") - 4
    body = b"p\x00\x00" + zlib.compress(SRGB)
    check = zlib.crc32(b"iCCP" + body).to_bytes(4, "big")
    iccp = len(body).to_bytes(4, "big") + b"iCCP" + body + check
    upload_data = data[:at] + iccp + data[at:]
    with Image.open(io.BytesIO(upload_data)) as image:
        assert image.info["icc_profile"] == SRGB  # Pillow reads it
    _, stored = clean_image(upload("logo.png", upload_data))
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.info.get("icc_profile")


def chunk_of(name: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + name + body + zlib.crc32(name + body).to_bytes(4, "big")


@pytest.mark.parametrize("where", ["before the palette", "after the pixels"])
def test_a_palettes_alpha_out_of_its_place_is_left_out(where):
    """Decoders read a palette's alpha (tRNS) between PLTE and the pixels only, and show
    a logo with one elsewhere opaque; Pillow reads it anywhere, and the logo was
    stored with every pixel transparent."""
    image = Image.new("P", (40, 30), 1)
    image.putpalette([255, 0, 0, 0, 0, 255] + [0, 0, 0] * 254)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    data = buffer.getvalue()
    at = data.index(b"PLTE" if where == "before the palette" else b"IEND") - 4
    uploaded = data[:at] + chunk_of(b"tRNS", b"\xff\x00") + data[at:]
    _, stored = clean_image(upload("logo.png", uploaded))
    with Image.open(io.BytesIO(stored)) as image:
        assert image.convert("RGBA").getpixel((0, 0))[3] == 255
    in_place = data[: data.index(b"IDAT") - 4] + chunk_of(b"tRNS", b"\xff\x00")
    _, stored = clean_image(upload("logo.png", in_place + data[data.index(b"IDAT") - 4 :]))
    with Image.open(io.BytesIO(stored)) as image:
        assert image.convert("RGBA").getpixel((0, 0))[3] == 0  # in its place, it counts


def png_of(colour_type: int, row: bytes, *, palette: bytes = b"", alphas=()) -> bytes:
    """A 40x30 8-bit PNG, every pixel `row`, with these PLTE and tRNS chunks."""
    header = (40).to_bytes(4, "big") + (30).to_bytes(4, "big") + bytes([8, colour_type, 0, 0, 0])
    data = b"\x89PNG\r\n\x1a\n" + chunk_of(b"IHDR", header)
    data += chunk_of(b"PLTE", palette) if palette else b""
    data += b"".join(chunk_of(b"tRNS", alpha) for alpha in alphas)
    pixels = zlib.compress((b"\x00" + row * 40) * 30)
    return data + chunk_of(b"IDAT", pixels) + chunk_of(b"IEND", b"")


RED_BLUE = bytes([255, 0, 0, 0, 0, 255])
# Each shown opaque by Chromium and libpng, which take the first tRNS; Pillow the last.
TWO_ALPHAS = {
    "palette": png_of(3, b"\x00", palette=RED_BLUE, alphas=[b"\xff\xff", b"\x00\xff"]),
    "grey": png_of(0, b"\x00", alphas=[b"\x00\x05", b"\x00\x00"]),
    "truecolour": png_of(2, b"\x00" * 3, alphas=[b"\x00" * 5 + b"\x05", b"\x00" * 6]),
}


@pytest.mark.parametrize("kind", TWO_ALPHAS)
def test_of_two_alphas_the_first_counts_as_decoders_show(kind):
    _, stored = clean_image(upload("logo.png", TWO_ALPHAS[kind]))
    with Image.open(io.BytesIO(stored)) as image:
        assert image.convert("RGBA").getpixel((0, 0))[3] == 255


def test_colour_chunks_after_the_palette_stay_after_it():
    """Decoders ignore a gAMA after PLTE (the spec puts it before): written before the
    palette, it changed the colours a logo showed."""
    buffer = io.BytesIO()
    Image.new("P", (40, 30), 1).save(buffer, "PNG")
    data = buffer.getvalue()
    end = data.index(b"PLTE") - 4
    end += 12 + int.from_bytes(data[end : end + 4], "big")
    body = (100_000).to_bytes(4, "big")
    gama = (
        len(body).to_bytes(4, "big")
        + b"gAMA"
        + body
        + zlib.crc32(b"gAMA" + body).to_bytes(4, "big")
    )
    _, stored = clean_image(upload("logo.png", data[:end] + gama + data[end:]))
    assert b"gAMA" not in dict(png_chunks_before_pixels(stored))


def greys(mode: str, levels: list[int]) -> list[Image.Image]:
    """Frames of `mode`, each a ramp starting at one of `levels`."""
    frames = []
    for level in levels:
        frame = Image.new(mode, (64, 8))
        frame.putdata([level + x for _ in range(8) for x in range(64)])
        frames.append(frame)
    return frames


def test_an_animation_of_16_bit_greys_is_refused_not_stored_as_its_first_frame():
    """Pillow's APNG writer tells frames apart in 8-bit RGBA: 16-bit greys that differ
    above 255 looked alike, and three frames were stored as the first alone."""
    content = apng_of_whole_frames(greys("I;16", [1000, 20000, 40000]))
    with Image.open(io.BytesIO(content)) as image:
        assert (image.mode, image.n_frames) == ("I;16", 3)
    with pytest.raises(ValidationError) as refused:
        clean_image(upload("animation.png", content))
    assert refused.value.code == "unsupported_animation"
    assert "8 bits" in refused.value.messages[0]


def test_an_apng_drawing_partly_transparent_pixels_over_a_frame_is_refused_saying_why():
    """Pillow pastes a frame drawn over the one before (blend op OVER) with its alpha
    as the mask, so its alpha comes out a * a + below * (1 - a), not a + below *
    (1 - a): half-transparent red over opaque blue, which browsers show opaque, was
    stored three-quarters opaque, a hole in the animation."""
    content = apng_drawn_over(128)
    with Image.open(io.BytesIO(content)) as image:
        image.seek(1)
        assert image.convert("RGBA").getpixel((16, 16)) == (128, 0, 127, 191)
    with pytest.raises(ValidationError) as refused:
        clean_image(upload("animation.png", content))
    assert refused.value.code == "unsupported_animation"
    assert "partly transparent" in refused.value.messages[0]
    assert "each frame whole" in refused.value.messages[0]


def test_a_gif_whose_canvas_pillow_fills_where_browsers_show_the_page_is_refused_saying_why():
    """Browsers show a GIF's screen transparent where no frame has covered it yet, and
    where a frame was cleared or put back to the empty screen. Pillow fills the
    screen around a first frame without a transparent colour with colour 0, opaque,
    and the stored file showed a white frame around the picture."""
    content = gif_of_placed_frames((1, 1, False, MIDDLE), (2, 1, False, WHOLE))
    with Image.open(io.BytesIO(content)) as image:
        assert image.convert("RGBA").getpixel((0, 0)) == (255, 255, 255, 255)
    with pytest.raises(ValidationError) as refused:
        clean_image(upload("animation.gif", content))
    assert refused.value.code == "unsupported_animation"
    assert "transparent colour" in refused.value.messages[0]


def test_an_animation_of_8_bit_greys_keeps_every_frame():
    levels = [10, 100, 180]
    _, stored = clean_image(upload("animation.png", apng_of_whole_frames(greys("L", levels))))
    with Image.open(io.BytesIO(stored)) as image:
        kept = []
        for index in range(image.n_frames):
            image.seek(index)
            kept.append(image.convert("L").getpixel((0, 0)))
    assert kept == levels


def test_an_apngs_default_image_stays_out_of_its_animation():
    """The picture shown where APNG is not understood: written as a frame, it flashed
    by on every loop of the animation, and browsers started on it."""
    grey, red, blue = (Image.new("RGBA", (8, 8), colour) for colour in ("grey", "red", "blue"))
    content = save(
        grey,
        "PNG",
        save_all=True,
        append_images=[red, blue],
        default_image=True,
        duration=[100, 200],
        loop=0,
    )
    _, stored = clean_image(upload("animation.png", content))
    with Image.open(io.BytesIO(stored)) as image:
        assert image.info.get("default_image")
        shown = []
        for index in range(1, image.n_frames):
            image.seek(index)
            shown.append((image.convert("RGBA").getpixel((0, 0)), image.info["duration"]))
    assert shown == [((255, 0, 0, 255), 100), ((0, 0, 255, 255), 200)]


def tiff_orientation(value: int = 6, *, kind: int = 3, count: int = 1) -> bytes:
    """An EXIF (TIFF) block, big-endian, whose first IFD holds only an Orientation of
    `kind` (3 SHORT, 4 LONG, 5 RATIONAL) and `count` values."""
    if kind == 3 and count == 1:
        field = value.to_bytes(2, "big") + b"\x00\x00"
    elif kind == 4:
        field = value.to_bytes(4, "big")
    else:  # RATIONAL, or two SHORTs: the values lie after the IFD
        field = (26).to_bytes(4, "big")
    ifd = (1).to_bytes(2, "big") + (0x0112).to_bytes(2, "big") + kind.to_bytes(2, "big")
    ifd += count.to_bytes(4, "big") + field + (0).to_bytes(4, "big")
    after = value.to_bytes(4, "big") + (1).to_bytes(4, "big")  # value/1, or (value, 0), (1, ...)
    return b"MM\x00*" + (8).to_bytes(4, "big") + ifd + after


def png_with_exif_chunk(block: bytes, *, after_pixels: bool) -> bytes:
    content = save(picture(), "PNG")
    body = b"eXIf" + block
    chunk = len(block).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")
    at = content.index(b"IEND") - 4 if after_pixels else content.index(b"IDAT") - 4
    return content[:at] + chunk + content[at:]


def tiff_block(
    *entries: tuple[int, int, int, bytes],
    exif_ifd: list | None = None,
    pointer_kind: int = 4,
    pointer_first: bool = False,
) -> bytes:
    """An EXIF (TIFF) block, big-endian, whose first IFD holds `entries` (tag, type,
    count, 4 bytes of value) and, given `exif_ifd`, a pointer to an Exif IFD of those:
    a LONG, or of `pointer_kind`; after the entries, or before them."""

    def ifd(items, at: int) -> bytes:
        packed = b"".join(
            tag.to_bytes(2, "big") + kind.to_bytes(2, "big") + count.to_bytes(4, "big") + value
            for tag, kind, count, value in items
        )
        return len(items).to_bytes(2, "big") + packed + (0).to_bytes(4, "big")

    first = list(entries)
    if exif_ifd is not None:  # 0x8769, a LONG: where the Exif IFD starts
        at = 8 + 2 + 12 * (len(first) + 1) + 4
        pointer = (0x8769, pointer_kind, 1, at.to_bytes(4, "big"))
        first.insert(0 if pointer_first else len(first), pointer)
    block = b"MM\x00*" + (8).to_bytes(4, "big") + ifd(first, 8)
    return block + (ifd(exif_ifd, len(block)) if exif_ifd is not None else b"")


SHORT_6 = (0x0112, 3, 1, b"\x00\x06\x00\x00")
SHORT_1 = (0x0112, 3, 1, b"\x00\x01\x00\x00")
EXIF_HEADER = b"Exif\x00\x00"
# What Chromium turns by and what it shows as it lies (as taken): the orientation is
# one SHORT of IFD0, in the first APP1 (JPEG) or an eXIf chunk before the pixels
# (PNG), behind exactly one "Exif" header in a JPEG and none in a PNG.
ORIENTATIONS = {
    "jpeg, one short": (save(picture(), "JPEG", exif=EXIF_HEADER + tiff_orientation()), True),
    "jpeg, a long": (save(picture(), "JPEG", exif=EXIF_HEADER + tiff_orientation(kind=4)), False),
    "jpeg, a rational": (
        save(picture(), "JPEG", exif=EXIF_HEADER + tiff_orientation(kind=5)),
        False,
    ),
    "jpeg, two shorts": (
        save(picture(), "JPEG", exif=EXIF_HEADER + tiff_orientation(count=2)),
        False,
    ),
    "jpeg, the exif header twice": (
        save(picture(), "JPEG", exif=EXIF_HEADER * 2 + tiff_orientation()),
        False,
    ),
    # As Chromium reads them too: an orientation in the Exif IFD alone, any byte after
    # "Exif\0", an orientation no browser takes and then one it does.
    "jpeg, in the exif ifd only": (
        save(picture(), "JPEG", exif=EXIF_HEADER + tiff_block(exif_ifd=[SHORT_6])),
        True,
    ),
    "jpeg, another byte after exif": (
        save(picture(), "JPEG", exif=b"Exif\x00\xff" + tiff_block(SHORT_6)),
        True,
    ),
    "jpeg, a long and then a short": (
        save(
            picture(),
            "JPEG",
            exif=EXIF_HEADER + tiff_block((0x0112, 4, 1, (6).to_bytes(4, "big")), SHORT_6),
        ),
        True,
    ),
    # Chromium follows a pointer to the Exif IFD only as a LONG, and reads that IFD
    # where IFD0 points to it: the first orientation in that order wins.
    "jpeg, in the exif ifd, pointed to by a short": (
        save(picture(), "JPEG", exif=EXIF_HEADER + tiff_block(exif_ifd=[SHORT_6], pointer_kind=3)),
        False,
    ),
    "jpeg, in the exif ifd, pointed to by an undefined": (
        save(picture(), "JPEG", exif=EXIF_HEADER + tiff_block(exif_ifd=[SHORT_6], pointer_kind=7)),
        False,
    ),
    "jpeg, the exif ifd pointed to before ifd0's orientation as taken": (
        save(
            picture(),
            "JPEG",
            exif=EXIF_HEADER + tiff_block(SHORT_1, exif_ifd=[SHORT_6], pointer_first=True),
        ),
        True,
    ),
    "jpeg, the exif ifd as taken pointed to before ifd0's orientation": (
        save(
            picture(),
            "JPEG",
            exif=EXIF_HEADER + tiff_block(SHORT_6, exif_ifd=[SHORT_1], pointer_first=True),
        ),
        False,
    ),
    "png, in the exif ifd only": (
        png_with_exif_chunk(tiff_block(exif_ifd=[SHORT_6]), after_pixels=False),
        True,
    ),
    "png, before the pixels": (png_with_exif_chunk(tiff_orientation(), after_pixels=False), True),
    "png, after the pixels": (png_with_exif_chunk(tiff_orientation(), after_pixels=True), False),
    "png, behind an exif header": (
        png_with_exif_chunk(EXIF_HEADER + tiff_orientation(), after_pixels=False),
        False,
    ),
    # Of two eXIf chunks, the first (Pillow reads the last).
    "png, the first of two exif chunks turned": (png_with_exif_chunks(6, 1), True),
    "png, the first of two exif chunks as taken": (png_with_exif_chunks(1, 6), False),
}


@pytest.mark.parametrize("case", ORIENTATIONS)
def test_a_picture_is_turned_by_the_orientation_browsers_read_and_no_other(case):
    """Pillow reads an orientation more loosely than browsers (any number type, any
    count, the header twice, an eXIf chunk anywhere, the last of two): such pictures
    were stored turned from what their uploader saw."""
    content, turned = ORIENTATIONS[case]
    _, stored = clean_image(upload("photo", content))
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == ((30, 40) if turned else (40, 30))


@pytest.mark.parametrize(
    ("progressive", "numbers"),
    [(False, (0, 1)), (True, (0, 1)), (False, (1, 0))],
    ids=["baseline", "progressive", "the late one numbered 0"],
)
def test_a_jpeg_whose_chroma_table_comes_after_its_first_scan_is_stored(progressive, numbers):
    """Valid, and read by libjpeg and Chromium; Pillow knows only the tables before
    the first scan, and writing the picture again without the second refused it."""
    content = flat_jpeg(
        640, 480, [[0], [1], [2]], progressive=progressive, late_table=True, numbers=numbers
    )
    kind, stored = clean_image(upload("photo.jpg", content, "image/jpeg"))
    with Image.open(io.BytesIO(stored)) as image:
        assert (kind.name, image.size, image.getpixel((5, 5))) == ("JPEG", (640, 480), (128,) * 3)


@pytest.mark.parametrize(
    ("case", "said"),
    [
        ("gif of 127 frames of 480 x 360", "at 480 x 360 pixels, 126 frames at most."),
        ("apng of 2 frames of 12.25 megapixels", "at 3500 x 3500 pixels, none."),
    ],
)
def test_an_animation_over_the_memory_limit_is_told_how_many_frames_it_may_have(case, said):
    with pytest.raises(ValidationError) as refused:
        clean_image(upload("animation.gif", REFUSED[case][0]))
    assert refused.value.code == "too_much_memory"
    # 5,263,157 pixels: rounded down, never to more than the rule allows.
    assert "Two frames may have 5.2 megapixels each" in refused.value.messages[0]
    assert said in refused.value.messages[0]


def shown(stored: bytes) -> list[list[tuple[int, int, int] | None]]:
    """Each frame of a stored file, pixel by pixel, as a browser shows it over the
    page: the colour, or None where the page shows through."""
    found = []
    with Image.open(io.BytesIO(stored)) as image:
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            pixels = image.convert("RGBA").get_flattened_data()
            found.append([(r, g, b) if a == 255 else None for r, g, b, a in pixels])
    return found


@pytest.mark.parametrize("case", TRANSPARENT_BY_VALUE)
def test_a_png_transparent_by_one_grey_or_colour_is_stored_as_browsers_show_it(case):
    """Pillow decodes a grey PNG below 8 bits to 8 (1-bit to its mode "1"), and a
    16-bit truecolour one to the high byte of each sample, but keeps the tRNS value at
    the file's depth: copied as read, a logo's transparent white was stored opaque,
    and a 16-bit picture's transparency went to another colour."""
    content, browsers_show = TRANSPARENT_BY_VALUE[case]
    kind, stored = clean_image(upload("logo.png", content))
    assert kind.name == "PNG"
    assert shown(stored) == browsers_show
    # Pillow reads any tRNS value of a 1-bit PNG as its white; Chromium ignores one
    # the file's depth cannot hold, and showed a stored "00 FF" opaque.
    depth, colour_type = stored[24], stored[25]  # in IHDR, the first chunk
    transparency = dict(png_chunks_before_pixels(stored))[b"tRNS"]
    if colour_type in (0, 2) and depth < 16:
        assert max(transparency) < 2**depth, transparency


def webp_as_shown(content: bytes) -> list[tuple[list[tuple[int, int, int] | None], int]]:
    """Each frame of an animated WebP as libwebp's animation decoder gives it, over a
    transparent canvas, as Chromium shows it whatever the header's alpha flag says
    (Pillow reads one whose flag is off without alpha): the colour of each pixel, or
    None where the page shows through, and the frame's time."""
    decoder = _webp.WebPAnimDecoder(content)
    (width, height), _, _, count, _ = decoder.get_info()
    found, before = [], 0
    for _ in range(count):
        pixels, end = decoder.get_next()
        rgba = Image.frombytes("RGBA", (width, height), pixels).get_flattened_data()
        found.append(([(r, g, b) if a else None for r, g, b, a in rgba], end - before))
        before = end
    return found


def test_an_animated_webp_without_its_alpha_flag_is_stored_transparent_where_it_shows_so():
    """Pillow opened it as RGB, and the canvas Chromium shows transparent outside the
    frames was stored opaque black: libwebp's encoder writes such files, the site's
    re-encode among them, so a sticker downloaded and uploaded again turned black."""
    content, _ = ACCEPTED["webp animated, transparent outside its frames, no alpha flag"]
    assert content[20] & 0x10 == 0  # VP8X: no alpha
    kind, stored = clean_image(upload("sticker.webp", content))
    assert kind.name == "WEBP"
    shown = webp_as_shown(stored)
    assert shown == webp_as_shown(content)
    assert [(frame[0], frame[15]) for frame, _ in shown] == [
        ((0, 128, 0), None),
        ((0, 0, 255), None),
    ]
    # Decoded with its transparency, it counts against the WebP limit for that.
    over = REFUSED["webp animated with no alpha flag over 3.5 megapixels"][0]
    assert code_of(upload("sticker.webp", over)) == "too_many_pixels"


def test_a_lossless_jpeg_is_stored_with_standard_tables():
    """A lossless JPEG (SOF3) quantises nothing, so it has no tables to copy, and it
    was refused as "not a JPEG", though Pillow decodes it and every JPEG Pillow
    decodes is taken."""
    kind, stored = clean_image(upload("scan.jpg", lossless_jpeg(), "image/jpeg"))
    with Image.open(io.BytesIO(stored)) as image:
        assert (kind.name, image.format, image.mode, image.size) == ("JPEG", "JPEG", "L", (16, 16))
        assert image.getextrema() == (128, 128)  # every pixel as it was
        # Pillow's standard table at quality 95: its largest step 12 (of 121 at 50).
        assert max(image.quantization[0]) == 12


def png_of_16_bit_samples(colour_type: int, pixels: list[tuple[int, ...]]) -> bytes:
    """A one-row PNG at 16 bits a sample: grey (0), colour (2), grey and alpha (4) or
    colour and alpha (6). Pillow writes none but grey at this depth."""
    header = struct.pack(">IIBBBBB", len(pixels), 1, 16, colour_type, 0, 0, 0)
    row = b"\x00" + b"".join(struct.pack(">H", sample) for pixel in pixels for sample in pixel)
    chunks = png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(row))
    return b"\x89PNG\r\n\x1a\n" + chunks + png_chunk(b"IEND")


@pytest.mark.parametrize(
    ("colour_type", "pixels", "stored_as", "stored_pixels"),
    [
        pytest.param(2, [(0x12FF, 0x5601, 0x9A80)], (8, 2), [(0x12, 0x56, 0x9A)], id="colour"),
        pytest.param(
            6,
            [(0x12FF, 0x5601, 0x9A80, 0x7F7F)],
            (8, 6),
            [(0x12, 0x56, 0x9A, 0x7F)],
            id="colour, alpha",
        ),
        pytest.param(4, [(0x34FF, 0xC001)], (8, 6), [(0x34, 0x34, 0x34, 0xC0)], id="grey, alpha"),
        pytest.param(0, [(0x1234,), (0xFEDC,)], (16, 0), [0x1234, 0xFEDC], id="grey"),
    ],
)
def test_a_16_bit_png_is_stored_at_the_depth_pillow_reads(
    colour_type, pixels, stored_as, stored_pixels
):
    """What docs/production.md says of 16-bit PNGs: Pillow reads colour and alpha at 8
    bits a sample, each sample's high byte (grey and alpha as colour and alpha), and
    the picture is written again from those pixels; grey alone it keeps at 16."""
    kind, stored = clean_image(upload("scan.png", png_of_16_bit_samples(colour_type, pixels)))
    assert kind.name == "PNG"
    assert (stored[24], stored[25]) == stored_as  # IHDR's depth and colour type
    with Image.open(io.BytesIO(stored)) as image:
        assert list(image.get_flattened_data()) == stored_pixels


def test_a_jpeg_damaged_inside_its_scan_is_stored_as_decoders_show_it():
    """What docs/production.md says: libjpeg decodes a JPEG whose coded data is damaged
    but whole to its end, as browsers do, with a warning Pillow does not raise; only a
    file cut short is refused."""
    ramp = Image.linear_gradient("L").resize((256, 192))
    content = bytearray(save(Image.merge("RGB", (ramp, ramp.transpose(0), ramp)), "JPEG"))
    scan = content.index(b"\xff\xda")  # start of scan
    middle = (scan + len(content)) // 2
    content[middle : middle + 20] = bytes(20)  # zeros: no marker, whatever was there
    kind, stored = clean_image(upload("photo.jpg", bytes(content)))
    assert kind.name == "JPEG"
    with Image.open(io.BytesIO(stored)) as image, Image.open(io.BytesIO(content)) as sent:
        assert image.size == (256, 192)
        # Encoded a second time: close to what the decoder gave, not byte for byte.
        difference = ImageStat.Stat(ImageChops.difference(image, sent.convert(image.mode)))
        assert max(difference.mean) < 4, difference.mean


def png_with_transparency(colour_type: int, samples: bytes, trns: bytes | None) -> bytes:
    """An 8-bit PNG of one row: grey (0, a byte a pixel), colour (2, three) or palette
    (3: a byte a pixel, indexing black and white), and a tRNS chunk of `trns` (None:
    none)."""
    per_pixel = 3 if colour_type == 2 else 1
    header = struct.pack(">IIBBBBB", len(samples) // per_pixel, 1, 8, colour_type, 0, 0, 0)
    chunks = png_chunk(b"IHDR", header)
    if colour_type == 3:
        chunks += png_chunk(b"PLTE", b"\x00\x00\x00\xff\xff\xff")
    if trns is not None:
        chunks += png_chunk(b"tRNS", trns)
    chunks += png_chunk(b"IDAT", zlib.compress(b"\x00" + samples))
    return b"\x89PNG\r\n\x1a\n" + chunks + png_chunk(b"IEND")


@pytest.mark.parametrize(
    ("colour_type", "samples", "trns", "libpng_shows"),
    [
        pytest.param(2, b"\x00\x00\x00\x09\x08\x07", b"\x00\x00\x00", None, id="colour, short"),
        pytest.param(2, b"\x00\x00\x00\x09\x08\x07", bytes(8), None, id="colour, long"),
        pytest.param(2, b"\x00\x00\x00\x09\x08\x07", bytes(6), [None, (9, 8, 7)], id="colour"),
        pytest.param(0, b"\x00\x09", b"\x00", None, id="grey, short"),
        pytest.param(0, b"\x00\x09", bytes(4), None, id="grey, long"),
        pytest.param(0, b"\x00\x09", bytes(2), [None, (9, 9, 9)], id="grey"),
        pytest.param(3, b"\x00\x01", b"", None, id="palette, empty"),
        pytest.param(3, b"\x00\x01", bytes(3), None, id="palette, longer than it"),
        pytest.param(3, b"\x00\x01", bytes(1), [None, (255, 255, 255)], id="palette"),
    ],
)
def test_a_transparency_chunk_libpng_ignores_is_ignored(colour_type, samples, trns, libpng_shows):
    """libpng (Firefox's decoder) ignores a tRNS chunk of another length than its colour
    type takes (2 bytes for grey, 6 for colour, 1 to the palette's size): the picture
    shows opaque. Pillow refused one too short and made a pixel transparent by the
    first bytes of one too long, as Chromium's decoder does: browsers disagree."""
    kind, stored = clean_image(
        upload("logo.png", png_with_transparency(colour_type, samples, trns))
    )
    assert kind.name == "PNG"
    with Image.open(io.BytesIO(png_with_transparency(colour_type, samples, None))) as opaque:
        colours = [tuple(pixel) for pixel in opaque.convert("RGB").get_flattened_data()]
    assert shown(stored) == [libpng_shows or colours]


def with_crc_broken(content: bytes, name: bytes) -> bytes:
    """`content` (a PNG) with the checksum of its first `name` chunk off by one."""
    start = content.index(name) - 4
    length = int.from_bytes(content[start : start + 4], "big")
    crc_at = start + 8 + length
    crc = (int.from_bytes(content[crc_at : crc_at + 4], "big") + 1) % 2**32
    return content[:crc_at] + crc.to_bytes(4, "big") + content[crc_at + 4 :]


@pytest.mark.parametrize(
    ("colour_type", "samples", "trns", "chunk"),
    [
        pytest.param(2, b"\x00\x00\x00\x09\x08\x07", bytes(6), b"tRNS", id="colour tRNS"),
        pytest.param(3, b"\x00\x01", bytes(1), b"tRNS", id="palette tRNS"),
        pytest.param(0, b"\x00\x09", None, b"tEXt", id="text"),
    ],
)
def test_an_extra_chunk_whose_checksum_is_wrong_is_left_out_as_decoders_leave_it(
    colour_type, samples, trns, chunk
):
    """libpng drops a chunk the picture can be shown without (its name's first letter in
    lower case) when its checksum is wrong, with a warning, and shows the picture:
    Pillow refused the whole file as not an image."""
    content = png_with_transparency(colour_type, samples, trns)
    if chunk == b"tEXt":
        text = png_chunk(b"tEXt", b"Comment\x00hello")
        at = content.index(b"IDAT") - 4  # before the pixels
        content = content[:at] + text + content[at:]
    kind, stored = clean_image(upload("logo.png", with_crc_broken(content, chunk)))
    assert kind.name == "PNG"
    with Image.open(io.BytesIO(png_with_transparency(colour_type, samples, None))) as opaque:
        colours = [tuple(pixel) for pixel in opaque.convert("RGB").get_flattened_data()]
    assert shown(stored) == [colours]  # opaque: the transparency was in the chunk left out


@pytest.mark.parametrize("chunk", [b"IHDR", b"PLTE", b"IDAT"])
def test_a_chunk_the_picture_needs_with_a_wrong_checksum_is_still_refused(chunk):
    content = with_crc_broken(png_with_transparency(3, b"\x00\x01", bytes(1)), chunk)
    with pytest.raises(ValidationError):
        clean_image(upload("logo.png", content))


def test_a_gif_frame_of_256_colours_and_no_transparent_pixel_keeps_them_exactly():
    """A GIF's frame after its first is decoded as RGBA where the file has a transparent
    colour, whether or not a pixel of that frame is transparent."""
    from config.media.reencode import _palette_chosen_quickly

    frame = Image.new("RGBA", (16, 16))
    frame.putdata([(index, 255 - index, index // 2, 255) for index in range(256)])
    chosen = _palette_chosen_quickly(frame)
    assert chosen.mode == "P"
    assert "transparency" not in chosen.info
    assert chosen.convert("RGBA").tobytes() == frame.tobytes()
