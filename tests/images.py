"""Image files made by Pillow at test time: what people upload, and what is refused.

`ACCEPTED` maps a case to (content, the kind it must be stored as); `REFUSED` to
(content, the ValidationError code); `TRANSPARENT_BY_VALUE` to (content, what a
browser shows of it); each file made when a test first asks for it.
`WITH_METADATA` holds pictures carrying the personal data a camera or an editor
writes, each containing the marker strings of `SECRETS`, and an orientation
where the format has one. No binary fixtures: every file is built here, so a
reader sees exactly what each case is.
"""

import io
import random
import struct
import zlib
from collections.abc import Callable, Iterator, Mapping

from PIL import Image, ImageCms, ImageDraw
from PIL.PngImagePlugin import PngInfo

from config.media.blocks import PNG_SIGNATURE
from tests.factories import image_bytes, png_declaring

# Marker strings written into metadata; none may be found in a stored file.
CAMERA = "SecretCam 3000"
SECRETS = [CAMERA.encode(), b"SecretMake", b"secret-comment", b"secret-xmp", b"secret-iptc"]
SECRETS += [b"secret-text", b"secret-itxt", b"secret-ztxt"]
# Where the camera's GPS put the picture (52.52 N, 13.40 E): degrees, minutes, seconds.
GPS = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)}
UPRIGHT_SIZE = (30, 40)  # a portrait photo, as a person sees it
ORIENTATION, MAKE, MODEL, GPS_IFD = 0x0112, 0x010F, 0x0110, 0x8825


def save(image: Image.Image, image_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def picture(mode: str = "RGB", size: tuple[int, int] = (40, 30)) -> Image.Image:
    """A gradient with a red block in the top-left corner, converted to `mode`."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 3, size[1] // 3), fill="red")
    return image.convert(mode)


def frames(count: int, mode: str = "RGB", size: tuple[int, int] = (40, 30)) -> list[Image.Image]:
    """`count` frames of an animation, each visibly different from the one before."""
    colours = ["red", "green", "blue", "yellow", "white"]
    return [Image.new(mode, size, colours[n % len(colours)]) for n in range(count)]


def animated(image_format: str, count: int = 3, mode: str = "RGB", **options) -> bytes:
    first, *rest = frames(count, mode)
    durations = [100 * (n + 1) for n in range(count)]
    return save(
        first,
        image_format,
        save_all=True,
        append_images=rest,
        duration=durations,
        loop=0,
        **options,
    )


def translucent() -> Image.Image:
    image = picture("RGBA")
    image.putalpha(Image.linear_gradient("L").resize(image.size))
    return image


def palette_png_with_transparency() -> bytes:
    image = picture().convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    return save(image, "PNG", transparency=0)


def transparent_gif_animation(disposal: int = 0) -> bytes:
    """Frames whose transparent areas change: what a wrong disposal gets visibly wrong.

    Disposal 0 (Pillow's default) draws each frame over the last, so the file's
    frames are already whole; 2 (clear to the background) and 3 (back to the frame
    before) let an area turn transparent again, as stickers and emoji do.
    """
    first = Image.new("RGBA", (40, 30), (255, 0, 0, 255))
    second = Image.new("RGBA", (40, 30), (0, 0, 0, 0))
    ImageDraw.Draw(second).rectangle((10, 10, 20, 20), fill=(0, 0, 255, 255))
    if not disposal:
        return save(
            first, "GIF", save_all=True, append_images=[second], duration=[100, 200], loop=0
        )
    # Each frame transparent where the one before was not.
    ImageDraw.Draw(first).rectangle((0, 0, 9, 9), fill=(0, 0, 0, 0))
    second = Image.new("RGBA", (40, 30), (0, 255, 0, 255))
    ImageDraw.Draw(second).rectangle((10, 10, 19, 19), fill=(0, 0, 0, 0))
    third = Image.new("RGBA", (40, 30), (0, 0, 0, 0))
    ImageDraw.Draw(third).rectangle((5, 5, 14, 14), fill=(255, 255, 0, 255))
    return save(
        first,
        "GIF",
        save_all=True,
        append_images=[second, third],
        duration=[100, 200, 300],
        loop=0,
        disposal=disposal,
    )


def grey_apng_drawn_over(around: int) -> bytes:
    """A grey frame (50), then one of a light square (200) amid `around`, drawn over it
    (blend op OVER), grey 0 transparent (tRNS): a browser shows the frame below
    where the second is 0."""
    below, above = Image.new("L", (32, 32), 50), Image.new("L", (32, 32), around)
    ImageDraw.Draw(above).rectangle((8, 8, 23, 23), fill=200)
    return save(
        below, "PNG", save_all=True, append_images=[above], blend=[0, 1], disposal=0, transparency=0
    )


def one_bit_apng_drawn_over() -> bytes:
    """A black 1-bit frame, then a white one with a black square drawn over it (blend
    op OVER), white transparent (tRNS): a browser shows the black below the white."""
    below, above = Image.new("1", (32, 32), 0), Image.new("1", (32, 32), 1)
    ImageDraw.Draw(above).rectangle((8, 8, 23, 23), fill=0)
    return save(
        below, "PNG", save_all=True, append_images=[above], blend=[0, 1], disposal=0, transparency=1
    )


def apng_drawn_over(alpha: int, *, blend: int = 1, palette: bool = False) -> bytes:
    """An opaque blue frame, then a transparent one with a red square of `alpha` drawn
    over it (blend op 1, OVER) or in its place (0, SOURCE), in RGBA or as a palette
    with its alpha. A browser shows red at alpha 128 drawn over the blue as
    (128, 0, 127), opaque."""
    if palette:
        below, above = Image.new("P", (32, 32), 0), Image.new("P", (32, 32), 2)
        for frame in (below, above):
            frame.putpalette([0, 0, 255, 255, 0, 0, 0, 0, 0])  # blue, red, black
        red, options = 1, {"transparency": bytes([255, alpha, 0])}
    else:
        below, above = Image.new("RGBA", (32, 32), "blue"), Image.new("RGBA", (32, 32))
        red, options = (255, 0, 0, alpha), {}
    ImageDraw.Draw(above).rectangle((8, 8, 23, 23), fill=red)
    return save(
        below, "PNG", save_all=True, append_images=[above], blend=[0, blend], disposal=0, **options
    )


def animation_over_the_pixel_budget(image_format: str) -> bytes:
    """A 1-megapixel canvas with 30 frames, each one pixel apart: a small file that
    decodes to 30 megapixels, over the 25 the site allows for all frames together.

    Grayscale frames: RGB ones made saving quantize 30 megapixels to a palette,
    2 s (GIF) in every pytest worker as it collected the tests."""
    first = Image.new("L", (1000, 1000), 255)
    rest = []
    for n in range(1, 30):
        frame = first.copy()
        frame.putpixel((n, n), 0)
        rest.append(frame)
    return save(first, image_format, save_all=True, append_images=rest)


def gif_of_tiles(side: int, tile: int = 16) -> bytes:
    """A GIF animation over a side x side canvas whose frames are tile x tile squares
    side by side, each of its own 256 colours: decoded, each frame is the picture so
    far, whose colours pile up (thousands by the last frame)."""
    rng = random.Random(1)  # noqa: S311 (pictures, not secrets)
    frames = [b"GIF89a" + struct.pack("<HH", side, side) + b"\x00\x00\x00"]
    for n in range((side // tile) ** 2):
        square = Image.frombytes("P", (tile, tile), bytes(i % 256 for i in range(tile * tile)))
        palette = rng.randbytes(768)
        square.putpalette(palette)
        single = save(square, "GIF", optimize=False)
        flags = single[10]
        at = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
        while single[at] == 0x21:  # extensions: a label, then sub-blocks
            at += 2
            while single[at]:
                at += 1 + single[at]
            at += 1
        local = 3 << ((single[at + 9] & 7) + 1) if single[at + 9] & 0x80 else 0
        pixels = single[at + 10 + local : -1]  # the code size and sub-blocks
        x, y = (n % (side // tile)) * tile, (n // (side // tile)) * tile
        frames.append(
            b"!\xf9\x04\x04\x05\x00\x00\x00"  # disposal 1 (kept), 50 ms
            + b","
            + struct.pack("<HHHH", x, y, tile, tile)
            + b"\x87"
            + palette
            + pixels
        )
    return b"".join(frames) + b";"


def long_thin_animation(frames: int, height: int) -> bytes:
    """An APNG of `frames` frames of 1 x `height`, black and white in turn."""
    first, *rest = [Image.new("L", (1, height), 255 * (n % 2)) for n in range(frames)]
    return save(first, "PNG", save_all=True, append_images=rest)


def gif_of_tiny_frames(count: int) -> bytes:
    """`count` one-pixel frames, black and white in turn: about 30 bytes each, so a
    5 MB file holds over 150,000, each costing the server time to decode and keep."""
    first, *rest = [Image.new("L", (1, 1), 255 * (n % 2)) for n in range(count)]
    return save(first, "GIF", save_all=True, append_images=rest)


def gif_growing_in_a_later_frame(width: int = 6000, height: int = 6000) -> bytes:
    """A 10x10 GIF whose second frame declares a width x height image: readers grow
    the canvas when they reach that frame, so the header's size tells nothing."""
    single = save(Image.new("P", (10, 10)), "GIF")
    start = single.rindex(b"\x2c\x00\x00\x00\x00\x0a\x00\x0a\x00")  # the image descriptor
    frame = single[start:-1]  # up to the trailer
    grown = frame[:5] + struct.pack("<HH", width, height) + frame[9:]
    return single[:-1] + grown + b";"


def gif_growing_in_later_frames(frames: int, width: int, height: int) -> bytes:
    """A 10x10 GIF, then `frames` frames declaring width x height each (Pillow fills
    what their data leaves): the header, and Pillow's frame count, say 10x10."""
    single = save(Image.new("P", (10, 10)), "GIF")
    large = save(Image.new("P", (width, height)), "GIF")
    start = large.rindex(b"\x2c\x00\x00\x00\x00" + struct.pack("<HH", width, height))
    return single[:-1] + large[start:-1] * frames + b";"


def gif_declaring_a_cleared_frame(width: int, height: int, first: bool) -> bytes:
    """A 1x1 GIF of a few dozen bytes with a frame declaring width x height and no
    pixels, cleared after it shows (disposal 2): the first frame, or the second after
    a 1x1 one. Pillow grows the canvas to the frame, and fills what clearing leaves
    before it reads a pixel."""

    def frame(size: tuple[int, int], disposal: int, pixels: bytes) -> bytes:
        control = b"\x21\xf9\x04" + bytes([disposal << 2]) + b"\x0a\x00\x00\x00"
        return control + b"\x2c" + struct.pack("<HHHH", 0, 0, *size) + b"\x00" + pixels

    one_pixel = b"\x02\x02\x44\x01\x00"  # LZW: clear, colour 0, end
    declared = frame((width, height), 2, b"\x02\x00")
    frames = [declared] if first else [frame((1, 1), 0, one_pixel), declared]
    screen = b"GIF89a" + struct.pack("<HH", 1, 1) + b"\x80\x00\x00" + b"\x00" * 3 + b"\xff" * 3
    return screen + b"".join(frames) + b";"


def png_of_compressed_text(chunks: int, each: int = 2**20) -> bytes:
    """An 8x8 PNG with `chunks` zTXt chunks, each `each` bytes of text once
    decompressed: a few hundred bytes a megabyte in the file."""
    info = PngInfo()
    for n in range(chunks):
        info.add_text(f"note{n}", "a" * each, zip=True)
    return save(picture(size=(8, 8)), "PNG", pnginfo=info)


def png_with_icc_chunks(count: int) -> bytes:
    """An 8x8 PNG with `count` iCCP chunks (the PNG spec allows one): Pillow inflates
    each, up to 1 MB, with no total, and 5 MB of them kept it busy 13 s."""
    png = save(picture(size=(8, 8)), "PNG")
    profile = b"icc\x00\x00" + zlib.compress(b"\x00" * 2**20)
    chunk = struct.pack(">I", len(profile)) + b"iCCP" + profile
    chunk += struct.pack(">I", zlib.crc32(b"iCCP" + profile))
    header_end = 8 + 25  # the signature, then IHDR (4 + 4 + 13 + 4 bytes)
    return png[:header_end] + chunk * count + png[header_end:]


def jpeg_of_scans(count: int, size: tuple[int, int] = (400, 300)) -> bytes:
    """A progressive JPEG whose last scan is repeated until it has `count` scans: each
    adds a dozen bytes and a pass over the whole picture for the decoder."""
    content = save(picture(size=size), "JPEG", progressive=True)
    scans = content.count(b"\xff\xda")
    last = content.rindex(b"\xff\xda")
    end = content.rindex(b"\xff\xd9")  # the last scan runs up to the end of image
    return content[:end] + content[last:end] * (count - scans) + content[end:]


# The frame header markers that carry a JPEG's size (SOF0 to SOF15, but for DHT,
# JPG and DAC, which share the range).
JPEG_FRAME_MARKERS = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def jpeg_declaring(
    width: int,
    height: int,
    *,
    mode: str = "RGB",
    progressive: bool = False,
    subsampling: int = 0,
    orientation: int | None = None,
    thumbnail: bool = False,
) -> bytes:
    """A 16x16 JPEG whose frame header declares width x height: Pillow reads the size,
    the mode, the sampling and the EXIF from the headers as it opens a file, and only
    decoding the pixels would fail. `thumbnail` adds an EXIF thumbnail, as cameras
    write it: a small JPEG, scans and all, inside the first."""
    exif = Image.Exif()
    if orientation:
        exif[ORIENTATION] = orientation
    options = {"progressive": progressive, "subsampling": subsampling, "exif": exif}
    content = save(picture(mode, size=(16, 16)), "JPEG", **options)
    if thumbnail:
        small = save(picture(size=(8, 8)), "JPEG")
        content = content[:2] + jpeg_segment(0xE2, b"thumb" + small) + content[2:]
    offset = 2
    while content[offset + 1] not in JPEG_FRAME_MARKERS:
        offset += 2 + int.from_bytes(content[offset + 2 : offset + 4], "big")
    # The marker, its length, the sample precision, then height and width.
    return content[: offset + 5] + struct.pack(">HH", height, width) + content[offset + 9 :]


def flat_jpeg(
    width: int,
    height: int,
    scans: list[list[int]],
    *,
    progressive: bool = False,
    late_table: bool = False,
    numbers: tuple[int, int] = (0, 1),
) -> bytes:
    """A grey JPEG in full colour (4:4:4), written here segment by segment: `scans`
    lists the components each scan holds (Pillow writes one scan of all three).
    Every block is flat: Huffman tables of one 1-bit code, so 25 megapixels take a
    few hundred KB. A progressive one has its DC scans as `scans` says, then an AC
    scan for each component.
    `late_table`: the chroma table is defined only after the first scan, which the
    JPEG standard allows and libjpeg reads. `numbers`: the luma and chroma tables'."""

    def segment(marker: int, payload: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload

    luma_number, chroma_number = numbers
    components = [(1, luma_number), (2, chroma_number), (3, chroma_number)]  # id, table; 1x1
    luma, chroma = (
        segment(0xDB, bytes([luma_number]) + bytes([2] * 64)),
        segment(0xDB, bytes([chroma_number]) + bytes([2] * 64)),
    )
    out = b"\xff\xd8" + luma + (b"" if late_table else chroma)
    frame = bytes([8]) + struct.pack(">HHB", height, width, 3)
    frame += b"".join(bytes([cid, 0x11, table]) for cid, table in components)
    out += segment(0xC2 if progressive else 0xC0, frame)
    one_code = bytes([1] + [0] * 15) + b"\x00"  # one code of one bit, for symbol 0
    out += segment(0xC4, b"\x00" + one_code + b"\x10" + one_code)
    if progressive:  # DC first, as `scans` says; then AC, which is a component a scan
        script = [(held, 0, 0) for held in scans] + [([i], 1, 63) for i in range(3)]
    else:
        script = [(held, 0, 63) for held in scans]
    blocks = -(-width // 8) * -(-height // 8)
    for number, (held, start, end) in enumerate(script):
        if late_table and number == 1:
            out += chroma
        header = bytes([len(held)]) + b"".join(bytes([components[i][0], 0]) for i in held)
        out += segment(0xDA, header + bytes([start, end, 0]))
        # Each block: its DC difference 0, then (sequential) end of block: 1 or 2 bits.
        bits = blocks * len(held) * (2 if (start, end) == (0, 63) else 1)
        coded = bytearray(-(-bits // 8))
        if bits % 8:
            coded[-1] = (1 << (8 - bits % 8)) - 1  # padded with ones
        out += bytes(coded)
    return out + b"\xff\xd9"


def lossless_jpeg(width: int = 16, height: int = 16) -> bytes:
    """A grey lossless JPEG (SOF3, as medical and scientific imaging write them), every
    pixel mid grey: each sample predicted from its left neighbour (the first from 128),
    each difference 0, one Huffman code of one bit. It has no quantisation tables: a
    lossless JPEG quantises nothing."""
    one_code = bytes([1] + [0] * 15) + b"\x00"  # one code of one bit, for symbol 0
    frame = bytes([8]) + struct.pack(">HHB", height, width, 1) + bytes([1, 0x11, 0])
    # The scan: one component, Huffman table 0, predictor 1 (left), point transform 0.
    scan = bytes([1, 1, 0x00, 1, 0, 0])
    return (
        b"\xff\xd8"
        + jpeg_segment(0xC3, frame)
        + jpeg_segment(0xC4, b"\x00" + one_code)
        + jpeg_segment(0xDA, scan)
        + b"\x00" * -(-width * height // 8)
        + b"\xff\xd9"
    )


# --- files of many small blocks -------------------------------------------------
# Pillow reads the blocks around a picture (a JPEG's segments, a PNG's chunks, a
# GIF's extensions and sub-blocks) in Python, one by one, as it opens the file:
# 5 MB of ten-byte EXIF segments took over a minute of CPU, of empty PNG chunks
# or one-byte GIF sub-blocks 4 to 9 s. These hold a few thousand, a few dozen KB.


def jpeg_with_segments(segment: bytes, count: int) -> bytes:
    """A small JPEG with `segment` (a marker and its data, or fill bytes) repeated
    `count` times straight after its start-of-image marker."""
    content = save(picture(), "JPEG")
    return content[:2] + segment * count + content[2:]


def jpeg_segment(marker: int, data: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(data) + 2) + data


def png_chunk(name: bytes, data: bytes = b"") -> bytes:
    return struct.pack(">I", len(data)) + name + data + struct.pack(">I", zlib.crc32(name + data))


def apng_of_whole_frames(frames: list[Image.Image], delay_ms: int = 100) -> bytes:
    """An APNG of `frames`, each written whole, put together chunk by chunk: no
    animation writer compares its frames (Pillow's joins those it finds alike)."""
    return apng_of_placed_frames(*((frame, (0, 0), 0, 0) for frame in frames), delay_ms=delay_ms)


def apng_of_placed_frames(
    *frames: tuple, delay_ms: int = 100, canvas: tuple[int, int] | None = None
) -> bytes:
    """An APNG of frames, each (picture, (x, y), dispose op, blend op) as it is given,
    put together chunk by chunk; the canvas is `canvas`, or else the first picture's
    size, and its header chunks (a palette, tRNS) the file's. Pillow's writer, which
    crops and joins frames, keeps none of them as given."""
    stills = [save(picture_, "PNG") for picture_, *_ in frames]
    header = b""
    for name, data in png_chunks(stills[0]):
        if name == b"IHDR" and canvas:
            data = struct.pack(">II", *canvas) + data[8:]
        if name not in (b"IDAT", b"IEND"):
            header += png_chunk(name, data)
    content = PNG_SIGNATURE + header + png_chunk(b"acTL", struct.pack(">II", len(frames), 0))
    sequence = 0
    for index, (still, (picture_, (x, y), dispose, blend)) in enumerate(
        zip(stills, frames, strict=True)
    ):
        width, height = picture_.size
        control = struct.pack(
            ">IIIIIHHBB", sequence, width, height, x, y, delay_ms, 1000, dispose, blend
        )
        content += png_chunk(b"fcTL", control)
        sequence += 1
        for name, data in png_chunks(still):
            if name == b"IDAT" and index == 0:
                content += png_chunk(b"IDAT", data)
            elif name == b"IDAT":
                content += png_chunk(b"fdAT", struct.pack(">I", sequence) + data)
                sequence += 1
    return content + png_chunk(b"IEND")


# An APNG frame's dispose ops (none, BACKGROUND: cleared, PREVIOUS: put back) and
# blend ops (SOURCE: replaces, OVER: drawn over).
APNG_LEFT, APNG_CLEARED, APNG_PUT_BACK = 0, 1, 2
APNG_SOURCE, APNG_OVER = 0, 1


def apng_clearing(
    mode: str, *, dispose: int = APNG_CLEARED, at: int = 0, whole: bool = False, **info
) -> bytes:
    """An 8 x 8 red APNG of three frames in `mode` (with `info`'s transparency), the
    frame at `at` (0 or 1) disposed of by `dispose`; then a blue 4 x 4 frame at 2, 2,
    and a green 2 x 2 at 6, 6. With `whole`, each frame is 8 x 8, and each before
    the last disposed of by `dispose`."""
    palette = [255, 0, 0, 0, 0, 255, 0, 255, 0, 9, 9, 9]

    def frame(size: tuple[int, int], colour: int) -> Image.Image:
        picture_ = Image.new("P", size, colour)
        picture_.putpalette(palette)
        if mode != "P":
            picture_ = picture_.convert(mode)
        picture_.info.update(info)
        return picture_

    disposals = [APNG_LEFT, APNG_LEFT, APNG_LEFT]
    disposals[at] = dispose
    places = [((8, 8), (0, 0)), ((4, 4), (2, 2)), ((2, 2), (6, 6))]
    if whole:
        disposals, places = [dispose, dispose, APNG_LEFT], [((8, 8), (0, 0))] * 3
    return apng_of_placed_frames(
        *(
            (frame(size, colour), at_, disposal, APNG_SOURCE)
            for colour, ((size, at_), disposal) in enumerate(zip(places, disposals, strict=True))
        )
    )


def apng_of_a_short_first_frame(at: tuple[int, int]) -> bytes:
    """An 8 x 8 APNG whose first frame, its default image, is a red 4 x 4 at `at`;
    then a blue frame of the whole canvas."""
    return apng_of_placed_frames(
        (Image.new("RGB", (4, 4), "red"), at, APNG_LEFT, APNG_SOURCE),
        (Image.new("RGB", (8, 8), "blue"), (0, 0), APNG_LEFT, APNG_SOURCE),
        canvas=(8, 8),
    )


def apng_putting_back_a_frame(blend: int) -> bytes:
    """An 8 x 8 red RGBA APNG; then a blue 4 x 4 frame at 0, 0, drawn by `blend`
    and put back (dispose op PREVIOUS); then a green 2 x 2 at 6, 6. Browsers show
    red with green in its corner last."""
    return apng_of_placed_frames(
        (Image.new("RGBA", (8, 8), "red"), (0, 0), APNG_LEFT, APNG_SOURCE),
        (Image.new("RGBA", (4, 4), "blue"), (0, 0), APNG_PUT_BACK, blend),
        (Image.new("RGBA", (2, 2), "green"), (6, 6), APNG_LEFT, APNG_SOURCE),
    )


def png_chunks(content: bytes):
    """(name, data) of each chunk of a PNG."""
    at = len(PNG_SIGNATURE)
    while at < len(content):
        length = int.from_bytes(content[at : at + 4], "big")
        yield content[at + 4 : at + 8], content[at + 8 : at + 8 + length]
        at += 12 + length


def png_with_chunks(chunk: bytes, count: int, before_pixels: bool = True) -> bytes:
    """A small PNG with `chunk` repeated `count` times before its pixel data (IDAT),
    or just after it."""
    content = save(picture(), "PNG")
    at = content.index(b"IDAT") - 4 if before_pixels else content.index(b"IEND") - 4
    return content[:at] + chunk * count + content[at:]


def gif_with_extensions(extension: bytes, count: int) -> bytes:
    """A small GIF with `extension` (a whole extension block) repeated `count` times
    before its image."""
    content = save(picture("P"), "GIF")
    at = content.index(b"\x2c")  # the image descriptor
    return content[:at] + extension * count + content[at:]


def webp_animation(frames: list[tuple[Image.Image, int]], size: tuple[int, int]) -> bytes:
    """An animated WebP over a canvas of `size`, put together chunk by chunk: each frame
    (a picture, lossless, at the canvas's top-left corner, and its duration in ms) as
    it is given. libwebp's encoder joins identical frames that follow one another and
    crops each to what changes; this keeps every frame as it is."""

    def chunk(fourcc: bytes, body: bytes) -> bytes:
        return fourcc + struct.pack("<I", len(body)) + body + b"\x00" * (len(body) % 2)

    def three(number: int) -> bytes:
        return number.to_bytes(3, "little")

    body = chunk(b"VP8X", b"\x02\x00\x00\x00" + three(size[0] - 1) + three(size[1] - 1))
    body += chunk(b"ANIM", b"\x00\x00\x00\x00" + struct.pack("<H", 0))  # loop forever
    for picture_, duration in frames:
        still = save(picture_, "WEBP", lossless=True)
        assert still[12:16] == b"VP8L"  # a simple file: its one chunk is the picture
        width, height = picture_.size
        header = three(0) + three(0) + three(width - 1) + three(height - 1) + three(duration)
        body += chunk(b"ANMF", header + b"\x00" + still[12:])  # blend, no disposal
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def gif_of_near_colours() -> bytes:
    """An 8 x 8 GIF animation with a transparent colour: a green frame, then one of
    three greens 5 apart. Pillow decodes the second as RGBA, and its writer's octree
    stored the three as one."""
    palette = [0, 0, 0, 0, 250, 0, 0, 245, 0, 0, 240, 0]
    first, second = Image.new("P", (8, 8), 1), Image.new("P", (8, 8), 0)
    for frame in (first, second):
        frame.putpalette(palette)
    for index in range(64):
        second.putpixel((index % 8, index // 8), (3, 2, 1, 1)[index % 4])
    options = {"transparency": 0, "duration": 100, "loop": 0, "disposal": 1, "optimize": False}
    return save(first, "GIF", save_all=True, append_images=[second], **options)


def gif_animation(frames: list[tuple[Image.Image, int]]) -> bytes:
    """A GIF animation that loops, put together block by block: each frame (a picture
    the size of the canvas, with its own palette, and its delay in ms, a multiple of
    10) as it is given. Pillow's writer joins identical frames that follow one
    another; this keeps every frame as it is."""
    width, height = frames[0][0].size
    blocks = [b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00"]
    blocks.append(b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")  # loop forever
    blocks += [gif_frame(picture_, duration) for picture_, duration in frames]
    return b"".join(blocks) + b";"


def gif_frame(
    picture_: Image.Image, duration: int, at: tuple[int, int] = (0, 0), disposal: int = 0
) -> bytes:
    """One frame of a GIF: `picture_` with a palette of its own and no transparency,
    its delay (ms), its place on the canvas and what to do after it shows."""
    single = save(picture_.convert("P", palette=Image.Palette.ADAPTIVE), "GIF", optimize=False)
    flags = single[10]  # a global palette, as Pillow writes one picture
    palette = single[13 : 13 + (3 << ((flags & 7) + 1))]
    start = 13 + len(palette)
    while single[start] == 0x21:  # extensions: a label, then sub-blocks
        start += 2
        while single[start]:
            start += 1 + single[start]
        start += 1
    pixels = single[start + 10 : -1]  # the code size and sub-blocks, up to the trailer
    control = b"!\xf9\x04" + bytes([disposal << 2]) + struct.pack("<H", duration // 10)
    place = struct.pack("<HH", *at) + single[start + 5 : start + 9]  # offset, then size
    local = b"," + place + bytes([0x80 | (flags & 7)]) + palette
    return control + b"\x00\x00" + local + pixels


# A GIF's palette for frames placed on its screen: white (colour 0, which Pillow
# fills a canvas with), red, blue, green; and the index a transparent frame takes.
PLACED_PALETTE = bytes([255, 255, 255, 255, 0, 0, 0, 0, 255, 0, 255, 0])
PLACED_CLEAR = 3
WHOLE, MIDDLE = ((20, 20), (0, 0)), ((10, 10), (5, 5))


def gif_of_placed_frames(*frames: tuple[int, int, bool, tuple]) -> bytes:
    """A 20x20 GIF animation of frames, each (colour, disposal, transparent, place):
    a colour of PLACED_PALETTE, what to do after it shows, whether it has a
    transparent index (its top-left quarter is then transparent), and WHOLE or
    MIDDLE (10x10 at 5, 5)."""
    blocks = [b"GIF89a" + struct.pack("<HH", 20, 20) + b"\x81\x00\x00" + PLACED_PALETTE]
    blocks.append(b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")  # loop forever
    for colour, disposal, transparent, (size, at) in frames:
        pixels = Image.new("P", size, colour)
        pixels.putpalette(PLACED_PALETTE)
        if transparent:
            pixels.paste(PLACED_CLEAR, (0, 0, size[0] // 2, size[1] // 2))
        single = save(pixels, "GIF", optimize=False)
        data = single[single.rindex(b",\x00\x00\x00\x00") + 10 : -1]  # code size, sub-blocks
        flags = disposal << 2 | transparent
        blocks.append(b"!\xf9\x04" + bytes([flags, 10, 0, PLACED_CLEAR]) + b"\x00")
        blocks.append(b"," + struct.pack("<HHHH", *at, *size) + b"\x00" + data)
    return b"".join(blocks) + b";"


def webp_transparent_outside_its_frames() -> bytes:
    """An animated WebP whose opaque frames cover the left half of its canvas: the right
    half shows the page through (the canvas is transparent), though the VP8X header's
    alpha flag is off. libwebp's encoder writes such files (crops every frame to what
    changes, and no frame it writes holds alpha), and so did the site's re-encode."""
    halves = [
        (Image.new("RGB", (8, 16), colour), 100 * n) for n, colour in ((1, "green"), (2, "blue"))
    ]
    return webp_animation(halves, (16, 16))


# Red twice at 10 ms, green twice at 0 ms, then blue for half a second: browsers
# (Chromium and Firefox, GIF, APNG and WebP alike) show each delay of 10 ms or less
# as 100 ms, so red for 200 ms and green for 200.
REPEATED_FRAMES = [("red", 10), ("red", 10), ("green", 0), ("green", 0), ("blue", 500)]


def animation_of_repeated_frames(image_format: str) -> bytes:
    """REPEATED_FRAMES, every frame kept. Pillow's APNG writer joins identical frames
    that follow one another, adding their delays, unless they are drawn in other
    ways: here every other frame is blended over the one before, the others replace
    it, the same for opaque frames. The GIF and the WebP are put together by hand."""
    size = (8, 8)
    shown = [(Image.new("RGB", size, colour), duration) for colour, duration in REPEATED_FRAMES]
    if image_format == "GIF":
        return gif_animation(shown)
    if image_format == "WEBP":
        return webp_animation(shown, size)
    first, *rest = (frame for frame, _ in shown)
    return save(
        first,
        "PNG",
        save_all=True,
        append_images=rest,
        duration=[duration for _, duration in shown],
        loop=0,
        blend=[n % 2 for n in range(len(shown))],
    )


def webp_with_chunks(count: int) -> bytes:
    """A small extended WebP with `count` empty unknown chunks after its header chunk."""
    content = save(picture(), "WEBP", exif=b"Exif\x00\x00II*\x00\x08\x00\x00\x00\x00\x00")
    assert content[12:16] == b"VP8X"
    body = content[12:30] + b"ABCD\x00\x00\x00\x00" * count + content[30:]
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def psd_like() -> bytes:
    """The header of a Photoshop file (8BPS, RGB, 8x8), and raw pixels."""
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, 8, 8, 8, 3)
    return header + struct.pack(">III", 0, 0, 0) + struct.pack(">H", 0) + bytes(3 * 64)


def truncated(content: bytes) -> bytes:
    return content[: len(content) * 2 // 3]


# An orientation in XMP only, as an editor that dropped the EXIF may leave it:
# browsers turn a picture by its EXIF alone, so this one is shown as it is stored.
XMP_TURNED = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    'xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6"/></rdf:RDF></x:xmpmeta>'
)


def png_with_xmp(xmp: str) -> bytes:
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp)
    return save(picture(), "PNG", pnginfo=info)


def png_of_samples(
    depth: int, colour_type: int, frames: list[list[int]], transparency: list[int]
) -> bytes:
    """A PNG of one row of pixels, or an APNG of a frame for each row in `frames` (100 ms
    each): every row a list of samples (grey, colour type 0: one a pixel; truecolour, 2:
    three) packed at `depth` bits, and a tRNS chunk naming the one grey or colour that is
    transparent (`transparency`: a sample each, 2 bytes, as the spec stores it at every
    depth). Pillow writes neither grey below 8 bits with tRNS nor 16-bit truecolour, so
    the chunks are written here."""
    per_pixel = 3 if colour_type == 2 else 1
    width = len(frames[0]) // per_pixel

    def packed(samples: list[int]) -> bytes:
        bits = "".join(format(sample, f"0{depth}b") for sample in samples)
        bits += "0" * (-len(bits) % 8)
        return zlib.compress(b"\x00" + int(bits, 2).to_bytes(len(bits) // 8, "big"))

    header = struct.pack(">IIBBBBB", width, 1, depth, colour_type, 0, 0, 0)
    chunks = [png_chunk(b"IHDR", header)]
    chunks.append(png_chunk(b"tRNS", b"".join(struct.pack(">H", v) for v in transparency)))
    if len(frames) == 1:
        chunks.append(png_chunk(b"IDAT", packed(frames[0])))
    else:
        chunks.insert(1, png_chunk(b"acTL", struct.pack(">II", len(frames), 0)))
        sequence = 0
        for index, samples in enumerate(frames):
            # fcTL: sequence, size, offset, delay 100/1000 s, dispose 0, blend 0 (source)
            control = struct.pack(">IIIIIHHBB", sequence, width, 1, 0, 0, 100, 1000, 0, 0)
            chunks.append(png_chunk(b"fcTL", control))
            sequence += 1
            if index == 0:
                chunks.append(png_chunk(b"IDAT", packed(samples)))
            else:
                chunks.append(png_chunk(b"fdAT", struct.pack(">I", sequence) + packed(samples)))
                sequence += 1
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks) + png_chunk(b"IEND")


JPEG = save(picture(), "JPEG")


def jpeg_with_tables_renumbered(numbers: dict[int, int]) -> bytes:
    """A JPEG whose quantisation tables carry other numbers (`numbers`: old to new),
    its components pointing at them: as valid as any, and Pillow reads each table
    under its number."""
    content = bytearray(save(picture(size=(64, 48)), "JPEG", quality=90))
    offset = 2
    while content[offset + 1] != 0xDA:  # the segments before the first scan
        marker, length = content[offset + 1], int.from_bytes(content[offset + 2 : offset + 4])
        body = range(offset + 4, offset + 2 + length)
        if marker == 0xDB:  # DQT: each table a byte of precision and number, 64 values
            for table in range(body.start, body.stop, 65):
                content[table] = numbers[content[table] & 0x0F]
        elif marker == 0xC0:  # SOF0: precision, size, count, then 3 bytes a component
            for component in range(body.start + 6, body.stop, 3):
                content[component + 2] = numbers[content[component + 2]]
        offset += 2 + length
    return bytes(content)


# Big enough that the headers are a small part: cut, it still opens, then fails to decode.
LARGER_JPEG = save(picture(size=(400, 300)), "JPEG")


class Cases(Mapping):
    """Named files for upload tests, each made the first time a test asks for it.

    `cases[name]` is `(content, expected)`; `cases.expected(name)` is the second
    without making the file. Every pytest-xdist worker imports this module while
    it collects, and making every file there took 5 s of CPU in each worker,
    before any test ran.
    """

    def __init__(self, makers: dict[str, tuple[Callable[[], bytes], str]]):
        self._makers = makers
        self._made: dict[str, bytes] = {}

    def __getitem__(self, name: str) -> tuple[bytes, str]:
        make, expected = self._makers[name]
        if name not in self._made:
            self._made[name] = make()
        return self._made[name], expected

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)

    def expected(self, name: str) -> str:
        return self._makers[name][1]


GREYS_2_BIT = [(0, 0, 0), (85, 85, 85), (170, 170, 170), (255, 255, 255)]
# Grey PNGs below 8 bits and 16-bit truecolour ones whose one transparent grey or
# colour is named by a tRNS chunk (optipng and oxipng reduce black-and-white or grey
# logos with transparency to the first). Case -> (content, what a browser shows of
# each frame, pixel by pixel: the colour, or None where the page shows through).
TRANSPARENT_BY_VALUE = Cases(
    {
        "png 1-bit grey, white transparent": (
            lambda: png_of_samples(1, 0, [[1, 0]], [1]),
            [[None, (0, 0, 0)]],
        ),
        "png 1-bit grey, black transparent": (
            lambda: png_of_samples(1, 0, [[1, 0]], [0]),
            [[(255, 255, 255), None]],
        ),
        "png 2-bit grey, white transparent": (
            lambda: png_of_samples(2, 0, [[0, 1, 2, 3]], [3]),
            [[*GREYS_2_BIT[:3], None]],
        ),
        "png 2-bit grey, a mid grey transparent": (
            lambda: png_of_samples(2, 0, [[0, 1, 2, 3]], [1]),
            [[GREYS_2_BIT[0], None, *GREYS_2_BIT[2:]]],
        ),
        "png 4-bit grey, white transparent": (
            lambda: png_of_samples(4, 0, [[0, 5, 15]], [15]),
            [[(0, 0, 0), (85, 85, 85), None]],
        ),
        # Pillow decodes each 16-bit sample to its high byte.
        "png 16-bit rgb, one colour transparent": (
            lambda: png_of_samples(
                16, 2, [[0x1234, 0x5678, 0x9ABC, 0x3434, 0x7878, 0xBCBC]], [0x1234, 0x5678, 0x9ABC]
            ),
            [[None, (0x34, 0x78, 0xBC)]],
        ),
        "apng 2-bit grey, white transparent": (
            lambda: png_of_samples(2, 0, [[0, 1, 2, 3], [3, 2, 1, 0]], [3]),
            [[*GREYS_2_BIT[:3], None], [None, *GREYS_2_BIT[2::-1]]],
        ),
    }
)


ACCEPTED = Cases(
    {
        "jpeg": (lambda: JPEG, "JPEG"),
        "jpeg progressive": (lambda: save(picture(), "JPEG", progressive=True), "JPEG"),
        "jpeg whose tables are numbered 2 and 3": (
            lambda: jpeg_with_tables_renumbered({0: 2, 1: 3}),
            "JPEG",
        ),
        "jpeg whose tables are numbered the other way": (
            lambda: jpeg_with_tables_renumbered({0: 1, 1: 0}),
            "JPEG",
        ),
        "jpeg of 100 progressive scans": (lambda: jpeg_of_scans(100), "JPEG"),
        "jpeg cmyk": (lambda: save(picture("CMYK"), "JPEG"), "JPEG"),
        "jpeg grayscale": (lambda: save(picture("L"), "JPEG"), "JPEG"),
        "mpo (camera: two pictures)": (
            lambda: save(picture(), "MPO", save_all=True, append_images=[picture(size=(40, 30))]),
            "JPEG",
        ),
        "png": (lambda: save(picture(), "PNG"), "PNG"),
        "png grayscale": (lambda: save(picture("L"), "PNG"), "PNG"),
        "png grayscale and alpha": (lambda: save(picture("LA"), "PNG"), "PNG"),
        "png palette, transparent": (lambda: palette_png_with_transparency(), "PNG"),
        "png rgba": (lambda: save(picture("RGBA"), "PNG"), "PNG"),
        "png 16-bit": (lambda: save(picture("I;16"), "PNG"), "PNG"),
        "png 1-bit": (lambda: save(picture("1"), "PNG"), "PNG"),
        "gif animation with a transparent colour, of near colours": (gif_of_near_colours, "GIF"),
        "apng (animated)": (lambda: animated("PNG"), "PNG"),
        "webp": (lambda: save(picture(), "WEBP"), "WEBP"),
        "webp lossless, transparent": (lambda: save(translucent(), "WEBP", lossless=True), "WEBP"),
        "webp animated": (lambda: animated("WEBP", lossless=True), "WEBP"),
        "gif": (lambda: save(picture("P"), "GIF"), "GIF"),
        "gif animated": (lambda: animated("GIF"), "GIF"),
        "gif of frames repeated at 10 ms and 0 ms": (
            lambda: animation_of_repeated_frames("GIF"),
            "GIF",
        ),
        "apng of frames repeated at 10 ms and 0 ms": (
            lambda: animation_of_repeated_frames("PNG"),
            "PNG",
        ),
        "webp of frames repeated at 10 ms and 0 ms": (
            lambda: animation_of_repeated_frames("WEBP"),
            "WEBP",
        ),
        "webp animated, transparent outside its frames, no alpha flag": (
            lambda: webp_transparent_outside_its_frames(),
            "WEBP",
        ),
        "gif animated, transparent": (lambda: transparent_gif_animation(), "GIF"),
        # An EXIF block Pillow cannot read ("not a TIFF file"): browsers show the
        # picture, and JPEGs with the same block were already taken.
        "png with an unreadable exif": (
            lambda: save(picture(), "PNG", exif=b"not a TIFF header"),
            "PNG",
        ),
        "webp with an unreadable exif": (
            lambda: save(picture(), "WEBP", exif=b"not a TIFF header"),
            "WEBP",
        ),
        "jpeg with an unreadable exif": (
            lambda: save(picture(), "JPEG", exif=b"not a TIFF header"),
            "JPEG",
        ),
        "png with 1 MB of compressed text": (lambda: png_of_compressed_text(1), "PNG"),
        "png with one colour profile": (lambda: png_with_icc_chunks(1), "PNG"),
        "png turned in its xmp only": (lambda: png_with_xmp(XMP_TURNED), "PNG"),
        "jpeg turned in its xmp only": (
            lambda: save(picture(), "JPEG", xmp=XMP_TURNED.encode()),
            "JPEG",
        ),
        "webp turned in its xmp only": (
            lambda: save(picture(), "WEBP", xmp=XMP_TURNED.encode()),
            "WEBP",
        ),
        "gif animated, transparent, cleared": (
            lambda: transparent_gif_animation(disposal=2),
            "GIF",
        ),
        "gif animated, transparent, restored": (
            lambda: transparent_gif_animation(disposal=3),
            "GIF",
        ),
        "gif animation of 250 one-pixel frames": (lambda: gif_of_tiny_frames(250), "GIF"),
        # Real files' most: a colour profile in 64 KB segments, an editor's comments,
        # XMP, text chunks.
        "jpeg of 200 segments": (
            lambda: jpeg_with_segments(jpeg_segment(0xFE, b"note"), 200),
            "JPEG",
        ),
        "png of 200 text chunks": (
            lambda: png_with_chunks(png_chunk(b"tEXt", b"k\x00v"), 200),
            "PNG",
        ),
        "gif of 200 comments": (lambda: gif_with_extensions(b"!\xfe\x04note\x00", 200), "GIF"),
        "webp of 200 unknown chunks": (lambda: webp_with_chunks(200), "WEBP"),
        "apng of 500 frames of 1 x 1,999": (lambda: long_thin_animation(500, 1_999), "PNG"),
        # Pillow draws these as browsers do: each pixel drawn over is opaque or
        # transparent, or the frame replaces the one before.
        # What a frame's place is cleared to is transparent by an alpha channel, or by
        # a tRNS making 0, Pillow's fill, the transparent value; and a frame put back
        # that replaced what was there is taken away.
        "apng animation clearing a frame, with an alpha channel": (
            lambda: apng_clearing("RGBA"),
            "PNG",
        ),
        "apng animation clearing a frame, grey with alpha": (
            lambda: apng_clearing("LA", at=1),
            "PNG",
        ),
        "apng animation clearing a frame, palette entry 0 transparent": (
            lambda: apng_clearing("P", transparency=0),
            "PNG",
        ),
        "apng animation clearing its first frame by putting it back, black transparent": (
            lambda: apng_clearing("RGB", dispose=APNG_PUT_BACK, transparency=(0, 0, 0)),
            "PNG",
        ),
        "apng animation clearing its last frame, without transparency": (
            lambda: apng_of_placed_frames(
                (Image.new("RGB", (8, 8), "red"), (0, 0), APNG_LEFT, APNG_SOURCE),
                (Image.new("RGB", (4, 4), "blue"), (2, 2), APNG_CLEARED, APNG_SOURCE),
            ),
            "PNG",
        ),
        # A place Pillow clears otherwise than browsers, drawn over whole by the next
        # frame before it shows: Pillow's own writer's frames, each cleared.
        "apng animation of whole frames, each cleared, without transparency": (
            lambda: animated("PNG", disposal=APNG_CLEARED),
            "PNG",
        ),
        "apng animation of whole frames, each put back, palette entry 0 opaque": (
            lambda: apng_clearing("P", dispose=APNG_PUT_BACK, whole=True, transparency=3),
            "PNG",
        ),
        # An fcTL without acTL is no animation: decoders pass it over.
        "png of one picture with a stray frame control of half its size": (
            lambda: png_with_chunks(
                png_chunk(b"fcTL", struct.pack(">IIIIIHHBB", 0, 20, 15, 0, 0, 1, 10, 0, 0)), 1
            ),
            "PNG",
        ),
        "apng animation putting back a frame that replaced what was there": (
            lambda: apng_putting_back_a_frame(APNG_SOURCE),
            "PNG",
        ),
        "apng drawing opaque and transparent pixels over a frame": (
            lambda: apng_drawn_over(255),
            "PNG",
        ),
        "apng drawing opaque and transparent palette pixels over a frame": (
            lambda: apng_drawn_over(255, palette=True),
            "PNG",
        ),
        "apng replacing a frame by a partly transparent one": (
            lambda: apng_drawn_over(128, blend=0),
            "PNG",
        ),
        "grey apng drawing no transparent grey over a frame": (
            lambda: grey_apng_drawn_over(100),
            "PNG",
        ),
        # Pillow composes these GIFs as browsers do: a first frame smaller than the
        # screen, or put back, with a transparent colour; a later frame put back; a
        # frame cleared without a transparent colour that the next covers whole.
        "gif animated, a transparent first frame smaller than its screen": (
            lambda: gif_of_placed_frames((1, 1, True, MIDDLE), (2, 1, False, MIDDLE)),
            "GIF",
        ),
        "gif animated, a transparent first frame put back": (
            lambda: gif_of_placed_frames((1, 3, True, WHOLE), (2, 1, False, MIDDLE)),
            "GIF",
        ),
        "gif animated, an undefined disposal on its last frame": (
            lambda: gif_of_placed_frames((1, 1, False, WHOLE), (2, 7, False, WHOLE)),
            "GIF",
        ),
        "gif animated, a later frame put back": (
            lambda: gif_of_placed_frames(
                (1, 1, False, WHOLE), (2, 3, True, MIDDLE), (3, 1, False, MIDDLE)
            ),
            "GIF",
        ),
        "gif animated, cleared without a transparent colour, covered whole": (
            lambda: gif_of_placed_frames((1, 2, False, WHOLE), (2, 2, False, WHOLE)),
            "GIF",
        ),
    }
)

NOT_AN_IMAGE, TOO_MANY_PIXELS, TOO_MANY_FRAMES, TOO_MANY_SCANS, TOO_MANY_BLOCKS = (
    "invalid_image",
    "too_many_pixels",
    "too_many_frames",
    "too_many_scans",
    "too_many_blocks",
)
TOO_MANY_LINES = "too_many_lines"
TOO_MUCH_MEMORY = "too_much_memory"
TOO_MUCH_METADATA = "too_much_metadata"
UNSUPPORTED_ANIMATION = "unsupported_animation"


def png_with_profile_of(size: int) -> bytes:
    """A small PNG whose colour profile (iCCP) inflates to `size` bytes: sRGB, then
    zeros, its header's length mended."""
    profile = bytearray(SRGB) + bytes(size - len(SRGB))
    profile[0:4] = struct.pack(">I", size)
    return save(picture(), "PNG", icc_profile=bytes(profile))


REFUSED = Cases(
    {
        "bmp": (lambda: image_bytes("BMP"), NOT_AN_IMAGE),
        "tiff": (lambda: image_bytes("TIFF"), NOT_AN_IMAGE),
        "ico": (lambda: image_bytes("ICO", (16, 16)), NOT_AN_IMAGE),
        "ppm": (lambda: image_bytes("PPM"), NOT_AN_IMAGE),
        "psd-like": (lambda: psd_like(), NOT_AN_IMAGE),
        "pdf": (lambda: image_bytes("PDF"), NOT_AN_IMAGE),
        "avif": (lambda: image_bytes("AVIF"), NOT_AN_IMAGE),
        "jpeg 2000": (lambda: image_bytes("JPEG2000"), NOT_AN_IMAGE),
        "svg": (
            lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            NOT_AN_IMAGE,
        ),
        # The first frame is the picture's default image, which must fill the canvas:
        # Chromium shows no such file, and Pillow drew it on black.
        "apng whose first frame is smaller than its canvas": (
            lambda: apng_of_a_short_first_frame((0, 0)),
            NOT_AN_IMAGE,
        ),
        "apng whose first frame is placed off its canvas's corner": (
            lambda: apng_of_a_short_first_frame((2, 2)),
            NOT_AN_IMAGE,
        ),
        "truncated jpeg": (lambda: truncated(LARGER_JPEG), NOT_AN_IMAGE),
        "truncated webp": (lambda: truncated(save(picture(size=(400, 300)), "WEBP")), NOT_AN_IMAGE),
        "decompression bomb": (lambda: png_declaring(40_000, 40_000), TOO_MANY_PIXELS),
        "gif animation over the pixel budget": (
            lambda: animation_over_the_pixel_budget("GIF"),
            TOO_MANY_PIXELS,
        ),
        "apng over the pixel budget": (
            lambda: animation_over_the_pixel_budget("PNG"),
            TOO_MANY_PIXELS,
        ),
        "gif growing in a later frame": (lambda: gif_growing_in_a_later_frame(), TOO_MANY_PIXELS),
        "gif whose first frame declares 169 megapixels": (
            lambda: gif_declaring_a_cleared_frame(13_000, 13_000, first=True),
            TOO_MANY_PIXELS,
        ),
        "gif whose second frame declares 169 megapixels": (
            lambda: gif_declaring_a_cleared_frame(13_000, 13_000, first=False),
            TOO_MANY_PIXELS,
        ),
        "png of 63 MB of compressed text": (lambda: png_of_compressed_text(63), TOO_MUCH_METADATA),
        "png with two colour profiles": (lambda: png_with_icc_chunks(2), NOT_AN_IMAGE),
        # A WebP costs four times and more what a PNG of its pixels does, and with
        # transparency more again: a noisy 6-megapixel one peaked 310 MiB up.
        "webp over its 4 megapixels": (
            lambda: save(Image.new("RGB", (2000, 2001), "red"), "WEBP", lossless=True),
            TOO_MANY_PIXELS,
        ),
        "webp with transparency over its 3.5 megapixels": (
            lambda: save(Image.new("RGBA", (2000, 1751), (255, 0, 0, 128)), "WEBP", quality=50),
            TOO_MANY_PIXELS,
        ),
        # Decoded with the transparency of its canvas, whatever its header says.
        "webp animated with no alpha flag over 3.5 megapixels": (
            lambda: webp_animation(
                [(Image.new("RGB", (2000, 900), colour), 100) for colour in ("red", "blue")],
                (2000, 900),
            ),
            TOO_MANY_PIXELS,
        ),
        "gif of 1,001 tiny frames": (lambda: gif_of_tiny_frames(1_001), TOO_MANY_FRAMES),
        # Each frame of a GIF animation counts as at least 100,000 pixels: 251 of them
        # pass 25 megapixels, whatever their size.
        "gif animation of 251 one-pixel frames": (lambda: gif_of_tiny_frames(251), TOO_MANY_PIXELS),
        "progressive jpeg of 101 scans": (lambda: jpeg_of_scans(101), TOO_MANY_SCANS),
        # libjpeg keeps every coefficient of a progressive JPEG until its last scan, two
        # bytes a sample: 250 MB for 25 megapixels in full colour, where a baseline
        # JPEG takes 100 (twice that turned). An accepted one peaked 384 MiB up.
        "progressive jpeg of 25 megapixels in full colour": (
            lambda: jpeg_declaring(5000, 5000, progressive=True),
            TOO_MUCH_MEMORY,
        ),
        # libjpeg also keeps every coefficient of a baseline JPEG whose scans hold one
        # component each: a 25-megapixel one peaked 239 MiB up.
        # Writing an animation again holds every frame twice, and works on each over
        # copies of the whole canvas: two frames of 12.5 megapixels peaked 430 MiB up.
        "apng of 2 frames of 12.25 megapixels": (
            lambda: save(
                Image.new("RGBA", (3500, 3500)),
                "PNG",
                save_all=True,
                append_images=[Image.new("RGBA", (3500, 3500), "red")],
            ),
            TOO_MUCH_MEMORY,
        ),
        # Pillow counts the frames without growing the canvas: the rule is checked
        # again on each frame's size as it is decoded.
        "gif of 10 x 10, then 5 frames of 2000 x 2000": (
            lambda: gif_growing_in_later_frames(5, 2000, 2000),
            TOO_MUCH_MEMORY,
        ),
        "gif of 127 frames of 480 x 360": (
            lambda: save(
                Image.new("RGB", (480, 360)),
                "GIF",
                save_all=True,
                append_images=[Image.new("RGB", (480, 360), (n, 0, 0)) for n in range(1, 127)],
            ),
            TOO_MUCH_MEMORY,
        ),
        "baseline jpeg of 25 megapixels in a scan a component": (
            lambda: flat_jpeg(5000, 5000, [[0], [1], [2]]),
            TOO_MUCH_MEMORY,
        ),
        "progressive cmyk jpeg of 20 megapixels, turned": (
            lambda: jpeg_declaring(5000, 4000, mode="CMYK", progressive=True, orientation=6),
            TOO_MUCH_MEMORY,
        ),
        # Pillow keeps a pointer and more for each row: a 49 KB PNG of 1 x 25,000,000
        # raised the peak by 215 MiB, an APNG of 1,000 frames of 1 x 25,000 by 576.
        "png of 1 x 2,000,000": (lambda: png_declaring(1, 2_000_000), TOO_MANY_LINES),
        "png of 2,000,000 x 1 (turned, 2,000,000 rows)": (
            lambda: png_declaring(2_000_000, 1),
            TOO_MANY_LINES,
        ),
        "apng of 500 frames of 1 x 2,001": (
            lambda: long_thin_animation(500, 2_001),
            TOO_MANY_LINES,
        ),
        "jpeg of 2,000 empty APP0 segments": (
            lambda: jpeg_with_segments(b"\xff\xe0\x00\x02", 2_000),
            TOO_MANY_BLOCKS,
        ),
        "jpeg of 2,000 ten-byte exif segments": (
            lambda: jpeg_with_segments(jpeg_segment(0xE1, b"Exif\x00\x00" + b"A" * 10), 2_000),
            TOO_MANY_BLOCKS,
        ),
        "jpeg of 2,000 comments": (
            lambda: jpeg_with_segments(jpeg_segment(0xFE, b"x"), 2_000),
            TOO_MANY_BLOCKS,
        ),
        "jpeg of 5,000 fill bytes": (lambda: jpeg_with_segments(b"\xff", 5_000), TOO_MANY_BLOCKS),
        # What Pillow steps over where a walker might stop: a stray byte, FF 00, a
        # length under 2, a marker without a length.
        "jpeg of a stray byte, then 2,000 exif segments": (
            lambda: jpeg_with_segments(
                b"\x00" + jpeg_segment(0xE1, b"Exif\x00\x00" + b"A" * 10) * 2_000, 1
            ),
            TOO_MANY_BLOCKS,
        ),
        "jpeg of 2,000 APP0 segments of length 0": (
            lambda: jpeg_with_segments(b"\xff\xe0\x00\x00", 2_000),
            TOO_MANY_BLOCKS,
        ),
        "jpeg of 5,000 FF 00 pairs": (
            lambda: jpeg_with_segments(b"\xff\x00", 5_000),
            TOO_MANY_BLOCKS,
        ),
        # Pillow reads each quantisation table of a segment in Python: 5 MB of them, 1.5 s.
        "jpeg of a segment of 64 quantisation tables": (
            lambda: jpeg_with_segments(jpeg_segment(0xDB, (b"\x00" + bytes(range(1, 65))) * 64), 1),
            TOO_MANY_BLOCKS,
        ),
        "jpeg of 5,000 stray bytes": (lambda: jpeg_with_segments(b"\x00", 5_000), TOO_MANY_BLOCKS),
        "jpeg of 5,000 markers without a length": (
            lambda: jpeg_with_segments(b"\xff\xf0", 5_000),
            TOO_MANY_BLOCKS,
        ),
        "gif of 5,000 stray bytes": (lambda: gif_with_extensions(b"\x00", 5_000), TOO_MANY_BLOCKS),
        "webp of 5,000 unknown chunks": (lambda: webp_with_chunks(5_000), TOO_MANY_BLOCKS),
        # Before the first image Pillow reads a second sub-block after a NETSCAPE2.0
        # one, then reads on: where that is the terminator, the next byte is a size.
        "gif of comments behind a NETSCAPE2.0 block without its loop": (
            lambda: gif_with_extensions(
                b"!\xff\x0bNETSCAPE2.0\x00;"
                + b"\x00" * 60
                + b"!\xfe"
                + b"\x01X" * 60_000
                + b"\x00",
                1,
            ),
            TOO_MANY_BLOCKS,
        ),
        # Pillow steps through every frame to count them, before any frame limit.
        "gif of 5,000 bare frames": (
            lambda: gif_with_extensions(b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x00", 5_000),
            TOO_MANY_BLOCKS,
        ),
        "gif of a stray byte, then a comment of 60,000 sub-blocks": (
            lambda: gif_with_extensions(b"\x00!\xfe" + b"\x01X" * 60_000 + b"\x00", 1),
            TOO_MANY_BLOCKS,
        ),
        "png of 2,000 unknown chunks": (
            lambda: png_with_chunks(png_chunk(b"abCd"), 2_000),
            TOO_MANY_BLOCKS,
        ),
        "png of 2,000 text chunks after its pixels": (
            lambda: png_with_chunks(png_chunk(b"tEXt", b"k\x00v"), 2_000, before_pixels=False),
            TOO_MANY_BLOCKS,
        ),
        "png of 30,000 empty pixel chunks": (
            lambda: png_with_chunks(png_chunk(b"IDAT"), 30_000, before_pixels=False),
            TOO_MANY_BLOCKS,
        ),
        "gif with a comment of 60,000 one-byte sub-blocks": (
            lambda: gif_with_extensions(b"!\xfe" + b"\x01X" * 60_000 + b"\x00", 1),
            TOO_MANY_BLOCKS,
        ),
        "gif of 6,000 comments": (
            lambda: gif_with_extensions(b"!\xfe\x01X\x00", 6_000),
            TOO_MANY_BLOCKS,
        ),
        "progressive jpeg of 5,000 scans": (lambda: jpeg_of_scans(5_000), TOO_MANY_SCANS),
        # Pillow inflates at most 1 MB of a PNG's colour profile or text, 8 MB in all.
        "png with a colour profile of 1.1 MB": (
            lambda: png_with_profile_of(1_100_000),
            TOO_MUCH_METADATA,
        ),
        "png with a text of 1.1 MB": (
            lambda: png_of_compressed_text(1, 1_100_000),
            TOO_MUCH_METADATA,
        ),
        "png with texts of 9 x 1 MB": (
            lambda: png_of_compressed_text(9, 1_000_000),
            TOO_MUCH_METADATA,
        ),
        # Pillow pastes a frame drawn over the one before with its alpha as the mask:
        # partly transparent red over opaque blue came out three-quarters opaque, and
        # a palette's red half transparent.
        "apng drawing partly transparent pixels over a frame": (
            lambda: apng_drawn_over(128),
            UNSUPPORTED_ANIMATION,
        ),
        "apng drawing partly transparent palette pixels over a frame": (
            lambda: apng_drawn_over(128, palette=True),
            UNSUPPORTED_ANIMATION,
        ),
        # And a grey's transparent value opaque: the frame below did not show through.
        "grey apng drawing its transparent grey over a frame": (
            lambda: grey_apng_drawn_over(0),
            UNSUPPORTED_ANIMATION,
        ),
        "1-bit grey apng drawing its transparent white over a frame": (
            one_bit_apng_drawn_over,
            UNSUPPORTED_ANIMATION,
        ),
        # Pillow fills a cleared APNG frame's place with 0, where browsers show it
        # transparent: black, or palette entry 0, unless tRNS makes that transparent.
        # And it never takes away a frame drawn over others and then put back.
        "apng clearing a frame, without transparency": (
            lambda: apng_clearing("RGB"),
            UNSUPPORTED_ANIMATION,
        ),
        "apng clearing its second frame, grey without transparency": (
            lambda: apng_clearing("L", at=1),
            UNSUPPORTED_ANIMATION,
        ),
        "apng clearing its first frame by putting it back, without transparency": (
            lambda: apng_clearing("RGB", dispose=APNG_PUT_BACK),
            UNSUPPORTED_ANIMATION,
        ),
        "apng clearing a frame, palette entry 0 opaque": (
            lambda: apng_clearing("P", transparency=3),
            UNSUPPORTED_ANIMATION,
        ),
        "apng clearing a frame, a transparent colour other than black": (
            lambda: apng_clearing("RGB", transparency=(9, 9, 9)),
            UNSUPPORTED_ANIMATION,
        ),
        "apng putting back a frame drawn over what was there": (
            lambda: apng_putting_back_a_frame(APNG_OVER),
            UNSUPPORTED_ANIMATION,
        ),
        # Pillow fills what browsers show transparent with an opaque colour: the
        # screen around a first frame without a transparent colour, a frame cleared
        # to the background without one; and keeps a first frame put back, where
        # browsers put back the empty screen.
        "gif whose first frame is smaller than its screen": (
            lambda: gif_of_placed_frames((1, 1, False, MIDDLE), (2, 1, False, WHOLE)),
            UNSUPPORTED_ANIMATION,
        ),
        "gif still, smaller than its screen": (
            lambda: gif_of_placed_frames((1, 0, False, MIDDLE)),
            UNSUPPORTED_ANIMATION,
        ),
        "gif whose first frame is put back": (
            lambda: gif_of_placed_frames((1, 3, False, WHOLE), (2, 1, False, MIDDLE)),
            UNSUPPORTED_ANIMATION,
        ),
        "gif cleared without a transparent colour": (
            lambda: gif_of_placed_frames((1, 2, False, WHOLE), (2, 1, False, MIDDLE)),
            UNSUPPORTED_ANIMATION,
        ),
        # A disposal of 0 is "leave it" to browsers; Pillow repeats the last one given.
        # A disposal the spec leaves undefined (4 to 7) before another frame: Pillow
        # puts back, where browsers do as they each see fit.
        "gif whose frame of an undefined disposal has another after it": (
            lambda: gif_of_placed_frames((1, 4, True, WHOLE), (2, 1, False, MIDDLE)),
            UNSUPPORTED_ANIMATION,
        ),
        "gif whose frame of disposal 0 follows one put back": (
            lambda: gif_of_placed_frames(
                (1, 3, True, WHOLE), (2, 0, False, WHOLE), (3, 1, False, MIDDLE)
            ),
            UNSUPPORTED_ANIMATION,
        ),
    }
)


# --- metadata ---------------------------------------------------------------------


def camera_exif(orientation: int | None = 6) -> Image.Exif:
    """EXIF as a phone writes it: make, model, GPS position and (maybe) orientation."""
    exif = Image.Exif()
    exif[MAKE], exif[MODEL], exif[GPS_IFD] = "SecretMake", CAMERA, GPS
    if orientation:
        exif[ORIENTATION] = orientation
    return exif


def animation_with_a_large_exif(image_format: str, frames: int = 20, tags: int = 2_000) -> bytes:
    """A sideways animation (orientation 6) whose EXIF holds `tags` entries besides:
    the kind of block whose cost, read once per frame, grew with frames x tags."""
    exif = camera_exif()
    for tag in range(0x1000, 0x1000 + tags):  # tags no camera writes, one number each
        exif[tag] = 1
    colours = ("red", "green", "blue", "white")
    first, *rest = [
        Image.new("RGB", (UPRIGHT_SIZE[1], UPRIGHT_SIZE[0]), colours[n % len(colours)])
        for n in range(frames)
    ]
    options = {"lossless": True} if image_format == "WEBP" else {}
    return save(first, image_format, save_all=True, append_images=rest, exif=exif, **options)


def sideways() -> Image.Image:
    """The sensor's pixels of an upright portrait `picture`, for EXIF orientation 6
    ("rotate 90 degrees clockwise to display"): landscape, red block bottom-left."""
    return picture(size=UPRIGHT_SIZE).transpose(Image.Transpose.ROTATE_90)


def png_with_exif_chunks(*orientations: int) -> bytes:
    """A sideways PNG with an eXIf chunk of each orientation, in order, before its
    pixels: browsers (Chromium) turn it by the first, Pillow reads the last."""
    content = save(sideways(), "PNG")
    at = content.index(b"IDAT") - 4
    chunks = b"".join(
        png_chunk(b"eXIf", camera_exif(orientation).tobytes().removeprefix(b"Exif\x00\x00"))
        for orientation in orientations
    )
    return content[:at] + chunks + content[at:]


def with_iptc(jpeg: bytes) -> bytes:
    """Add an APP13 Photoshop/IPTC segment (caption) right after the SOI marker."""
    caption = b"\x1c\x02\x78" + struct.pack(">H", 11) + b"secret-iptc"
    resource = b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(caption)) + caption
    payload = b"Photoshop 3.0\x00" + resource
    return jpeg[:2] + b"\xff\xed" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def png_text() -> PngInfo:
    info = PngInfo()
    info.add_text("Comment", "secret-text")
    info.add_itxt("Description", "secret-itxt")
    info.add_text("Location", "secret-ztxt", zip=True)
    return info


SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret-xmp</x:xmpmeta>'

# Case -> (content, the kind it is stored as); all show an upright portrait.
WITH_METADATA: dict[str, tuple[bytes, str]] = {
    "jpeg from a phone": (
        with_iptc(
            save(
                sideways(),
                "JPEG",
                exif=camera_exif(),
                xmp=XMP,
                comment=b"secret-comment",
                icc_profile=SRGB,
            )
        ),
        "JPEG",
    ),
    "mpo from a camera": (
        save(sideways(), "MPO", exif=camera_exif(), save_all=True, append_images=[sideways()]),
        "JPEG",
    ),
    "png with text chunks and exif": (
        save(sideways(), "PNG", pnginfo=png_text(), exif=camera_exif()),
        "PNG",
    ),
    "png with two exif chunks, the first turned": (png_with_exif_chunks(6, 1), "PNG"),
    # Upright already, as browsers show a WebP whatever its EXIF orientation says.
    "webp with exif and xmp": (
        save(picture(size=UPRIGHT_SIZE), "WEBP", exif=camera_exif(), xmp=XMP, lossless=True),
        "WEBP",
    ),
    "gif with a comment": (
        save(picture("P", UPRIGHT_SIZE), "GIF", comment=b"secret-comment"),
        "GIF",
    ),
}
