"""Write an uploaded image again from its pixels: upright, frames kept, metadata gone.

`reencode(data, image_format, animated=..., max_pixels=..., max_lines=...)` decodes a
file that config/media/uploads.py has already checked and returns new bytes of the same
format holding only the picture: every frame of an animation with its timing and loop
count, transparency, and the ICC colour profile with a PNG's other colour chunks (how to
show the colours; they say nothing about the person), each as its format defines it:
a colour chunk of another length, and a profile's private tags or bytes no tag holds,
are left out (config/media/profiles.py). Everything a camera or an editor
adds about the picture is left behind: EXIF (GPS position, camera, date, its thumbnail),
XMP, IPTC, JPEG and GIF comments, PNG text chunks, and the extra pictures of a camera's
MPO file (depth maps, previews). A JPEG's or PNG's EXIF orientation is applied to the
pixels first, so a photo taken with the phone held upright still stands upright without
it; it is read once, from the first frame, and every frame of an animation is turned by
it.

A GIF may declare a larger canvas in a later frame than in its header; each frame's
size is checked before it is decoded, and all frames together may hold at most
`max_pixels` pixels, else `TooManyPixels` is raised. Each frame of a GIF animation
counts at least `GIF_FRAME_PIXELS` (`frame_pixels`), for the time writing it costs.
"""

import io
import struct
import zlib
from itertools import islice

from PIL import ExifTags, Image, JpegImagePlugin, WebPImagePlugin
from PIL.PngImagePlugin import PngInfo

from config.media import profiles
from config.media.blocks import PNG_SIGNATURE, gif_walk, jpeg_walk

# Image.info entries that are part of the picture itself; every other entry is
# metadata about it, or about the file it came from.
PICTURE_INFO = ("transparency",)
# A PNG's transparency that Pillow keeps as it should (`_png_transparency`).
PILLOWS = object()
# A PNG's chunks that say how to show its colours, beside the ICC profile: its
# gamma, its primaries, that it is sRGB, its colour space by code (cICP). Pillow
# writes them again when given; dropped, a picture saved with gamma 1.8 or in
# Display P3 showed other colours in Chromium. (Pillow leaves out sRGB where it
# writes an ICC profile, as the PNG spec asks.) Each with the length the spec gives
# it: one carrying more held whatever bytes came after.
PNG_COLOUR_CHUNKS = {b"gAMA": 4, b"cHRM": 32, b"sRGB": 1, b"cICP": 4}
# The formats browsers turn by their EXIF orientation. Chromium shows a WebP as its
# pixels lie, whatever its EXIF says: turned here, a WebP converted from a phone's
# photo with its metadata was stored turned from what its uploader saw. GIF has no
# EXIF.
TURNED_BY_EXIF = ("JPEG", "PNG")
# How to turn a picture upright for each EXIF orientation, as ImageOps.exif_transpose does.
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# A lossless JPEG, which has no quantisation tables of its own, is written with
# Pillow's standard ones at this quality (the highest Pillow advises: above it the
# file grows and nothing is gained).
LOSSLESS_JPEG_QUALITY = 95
# Lossy WebP is written again at this quality (Pillow's default is 80): high enough
# that a second encode loses nothing a person would see.
WEBP_QUALITY = 90
# Lossless WebP with less effort than Pillow's default (quality 80, method 4), which
# took 13.0 s of CPU to write a noisy 25-megapixel picture, holding every other
# upload of its process waiting (one picture at a time, config/media/uploads.py):
# 5.4 s, for a file 0.002% smaller. On a fractal of 9 megapixels, 0.30 s instead of
# 0.73, and 16% bigger, still smaller than the upload.
WEBP_LOSSLESS_EFFORT = {"quality": 20, "method": 2}


# Writing a GIF animation again chooses each frame's 256 colours anew (Pillow
# decodes the frames after the first as RGB), and that costs more per pixel on small
# frames than on large ones: 10.6 ms for a 158x158 frame of 256 colours of its own,
# 141 ms for a 1000x1000 one. 870 such 158x158 frames (5 MB, 22 megapixels) took 10
# to 13 s of CPU, holding every other upload of the process waiting. Counting each
# frame as at least 100,000 pixels bounds the time by the pixel limit again, for
# frames of up to 256 colours: 250 frames of 158x158 take 2.9 s, 156 of 400x400
# 5.4 s, an ordinary 480x270 GIF of 150 frames 4.1 s, on a 2-core machine. (As
# 50,000 pixels more than each has, it refused that 480x270 GIF.) Frames whose
# composites pile up more colours: `_palette_chosen_quickly`.
GIF_FRAME_PIXELS = 100_000


def frame_pixels(image_format: str, width: int, height: int, frames: int) -> int:
    """What each of `frames` frames of width x height counts against the pixel limit."""
    if image_format == "GIF" and frames > 1:
        return max(width * height, GIF_FRAME_PIXELS)
    return width * height


# Writing an animation again holds every frame twice (the frames kept, and the
# writer's copy of each, 4 bytes a pixel), and works on each over a few copies of
# the whole canvas (the frame before, their difference, converted copies). Measured
# on APNGs of 25 megapixels in all: 2 frames of 12.5 peaked 430 MiB above the
# process, 5 of 5 306, 25 of 1 214, 100 of 0.25 199 (GIFs up to 405), which
# 9 bytes a pixel of every frame and 20 of one frame account for (`animation_bytes`).
# Against the 200 MB an upload may hold (config/media/uploads.py), a 480x360 APNG
# of 126 frames peaked 172 MiB, 20 of 1000x1000 176.
ANIMATION_FRAME_BYTES = 9
ANIMATION_CANVAS_BYTES = 20


def animation_bytes(width: int, height: int, frames: int) -> int:
    """What writing an animation of `frames` frames of width x height again holds."""
    return width * height * (ANIMATION_FRAME_BYTES * frames + ANIMATION_CANVAS_BYTES)


# Browsers (Chromium and Firefox, for GIF, APNG and WebP) show a frame whose delay is
# 10 ms or less for 100 ms: ads once set 0 to flash as fast as a screen could. The
# writers (Pillow's for GIF and APNG, libwebp's) join identical frames that follow
# one another by adding their delays, so two frames of 10 ms, shown for 200 ms,
# became one of 20 ms, shown for 20, and a pause made of repeated frames of 0 ms
# shrank to one frame's 100. Each frame is written with the delay browsers show.
SHORTEST_SHOWN_MS = 10
SHOWN_INSTEAD_MS = 100


def shown_duration(duration: float) -> float:
    """How long (ms) browsers show a frame of an animation whose delay is `duration`."""
    return SHOWN_INSTEAD_MS if duration <= SHORTEST_SHOWN_MS else duration


class TooManyPixels(ValueError):
    """All frames together, or one frame on its own, exceed the pixel limit."""


class TooManyLines(ValueError):
    """The frames' longest sides together exceed the limit of lines."""


class TooMuchMemory(ValueError):
    """Writing the animation again would hold more than `max_bytes`: its args are the
    width and height of the largest frame so far."""


def reencode(
    data: bytes,
    image_format: str,
    *,
    animated: bool,
    max_pixels: int,
    max_lines: int | None = None,
    max_bytes: int | None = None,
) -> bytes:
    """The picture of `data` (a file of `image_format`) without its metadata (see module doc).

    `animated=False` keeps the first frame only (a JPEG: an MPO's other pictures).
    `max_lines`: the most the longest sides of all frames may add up to (rows,
    once turned upright: Pillow keeps a pointer and more for each); None for no limit.
    `max_bytes`: the most writing an animation again may hold (`animation_bytes`, on
    the largest frame: a GIF's may grow), else `TooMuchMemory`; None for no limit.
    """
    with Image.open(io.BytesIO(data), formats=[image_format]) as image:
        with_webp_alpha(image, data)
        options = _save_options(image, image_format, data)
        frames, durations = [], []
        pixels = lines = 0
        largest = (0, 0)  # the largest frame so far
        clears = False  # a GIF frame cleared (disposal 2) or put back (3) after it shows
        count = getattr(image, "n_frames", 1) if animated else 1
        # An APNG's picture for viewers without animation, not one of its frames.
        default_image = image_format == "PNG" and bool(image.info.get("default_image"))
        # Read once, from the headers (a PNG's eXIf after its pixels, which Pillow
        # reads as it decodes them, is not the file's orientation to a browser): the
        # file's EXIF is every frame's. ImageOps.exif_transpose parsed it again and
        # wrote it back for each frame, so an animation with a large EXIF block cost
        # its size times its frames.
        upright = UPRIGHT.get(_orientation(image, data)) if image_format in TURNED_BY_EXIF else None
        # Every frame of an APNG is transparent by the one tRNS chunk of its header.
        png_transparency = _png_transparency(data, image.mode) if image_format == "PNG" else PILLOWS
        for index in range(count):
            image.seek(index)
            # Before decoding: GIF frames may grow.
            pixels += frame_pixels(image_format, image.width, image.height, count)
            if pixels > max_pixels:
                raise TooManyPixels(pixels)
            lines += max(image.width, image.height)
            if max_lines is not None and lines > max_lines:
                raise TooManyLines(lines)
            if image.width * image.height > largest[0] * largest[1]:
                largest = image.size
            if count > 1 and max_bytes is not None and animation_bytes(*largest, count) > max_bytes:
                raise TooMuchMemory(*largest)
            image.load()
            durations.append(shown_duration(image.info.get("duration", 0)))
            if upright is not None:
                frame = image.transpose(upright)
            elif count == 1:
                frame = image  # written below, before the file closes: no second copy
            else:
                frame = image.copy()  # the next seek replaces the image's pixels
            frame.info = {key: image.info[key] for key in PICTURE_INFO if key in image.info}
            if png_transparency is not PILLOWS and "transparency" in frame.info:
                if png_transparency is None:
                    del frame.info["transparency"]
                else:
                    frame.info["transparency"] = png_transparency
            # Only where a pixel can turn transparent again does clearing matter: read
            # as decoded, before a GIF frame's palette drops a transparency it uses not.
            transparent = frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info
            if image_format == "GIF":
                frame = _palette_chosen_quickly(frame)
            frames.append(frame)
            clears = clears or (transparent and getattr(image, "disposal_method", 0) in (2, 3))
        if len(frames) > 1:
            options.update(save_all=True, append_images=frames[1:], duration=durations)
            if "loop" in image.info:
                options["loop"] = image.info["loop"]
            if default_image:  # Pillow takes the animation's durations only
                options.update(default_image=True, duration=durations[1:])
            if clears:
                # The frames kept are whole pictures. Pillow writes each over the one
                # before (disposal 0), so where a frame turns transparent again the
                # frame before would still show: cleared after each frame, they are
                # drawn as they were. Without transparency nothing turns transparent,
                # and clearing would make Pillow write every frame whole.
                options["disposal"] = 2
        buffer = io.BytesIO()
        frames[0].save(buffer, image_format, **options)
    return buffer.getvalue()


def with_webp_alpha(image: Image.Image, data: bytes) -> Image.Image:
    """`image` (opened from `data`, not yet loaded), read with its transparency if it
    is an animated WebP whose header (VP8X) says it has none.

    An animation's frames are drawn over a transparent canvas, and Chromium shows
    what no frame covers transparent whatever the alpha flag says. libwebp's encoder
    leaves the flag off when no frame it writes holds alpha (it crops each frame to
    what changes), and the re-encode here wrote such files: Pillow opened them as RGB
    and they were stored opaque black where they showed the page, a sticker
    downloaded and uploaded again included. Pillow's animation decoder gives RGBA
    bytes either way; read as RGBA, they keep their alpha. (Pillow reads a WebP whose
    flag is on as RGBA already, and a still one as its picture's own chunks say.)
    """
    if not isinstance(image, WebPImagePlugin.WebPImageFile):
        return image
    is_animation = data[12:16] == b"VP8X" and len(data) > 20 and data[20] & 0x02
    if is_animation and image.rawmode == "RGBX":
        image.rawmode = "RGBA"
        image._mode = "RGBA"
    return image


def _palette_chosen_quickly(frame: Image.Image) -> Image.Image:
    """A GIF frame of more than 256 colours, given its 256 by Pillow's octree method;
    an RGBA one of 256 or fewer (its transparent pixels counted as one), given them
    exactly (`_exact_palette`).

    Pillow decodes each frame of a GIF as the picture so far, so small frames of 256
    colours each, laid side by side, pile up tens of thousands of colours, and
    writing the frame again chose 256 among them by median cut, slower the more
    there are: a crafted 407 KB GIF of 250 frames of 316x316 took some 30 s. The
    octree method takes a few milliseconds a frame. An RGB frame of 256 colours or
    fewer is left to the writer, which keeps each exactly; an RGBA frame (a GIF's
    after its first, where it has a transparent colour) the writer gives to the
    octree method, which is not exact at any count: three greens a frame apart by
    5 were stored as one.
    """
    if frame.mode == "RGBA":
        return _exact_palette(frame) or frame
    if frame.mode != "RGB" or frame.getcolors(256) is not None:
        return frame
    chosen = frame.quantize(256, method=Image.Quantize.FASTOCTREE)
    chosen.info = frame.info
    return chosen


def _exact_palette(frame: Image.Image) -> Image.Image | None:
    """An RGBA GIF frame (each pixel opaque or transparent) as a palette of its own
    colours and one transparent entry; None where they are more than 256 together."""
    colours = frame.getcolors(256)
    if colours is None or any(0 < alpha < 255 for _, (*_, alpha) in colours):
        return None
    opaque = {rgb for _, (*rgb, alpha) in colours if alpha == 255 for rgb in [tuple(rgb)]}
    if len(opaque) == len(colours):  # no pixel transparent: its colours alone
        clear, rgb = None, frame.convert("RGB")
    elif len(opaque) + 1 > 256:
        return None
    else:
        # A colour no opaque pixel has stands for the transparent ones: 256 tries at most.
        clear = next((0, 0, blue) for blue in range(256) if (0, 0, blue) not in opaque)
        rgb = Image.new("RGB", frame.size, clear)
        rgb.paste(frame.convert("RGB"), mask=frame.getchannel("A"))
    # Exact at 256 colours or fewer: the writer's own conversion of an RGB frame.
    chosen = rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=256)
    chosen.info = {key: value for key, value in frame.info.items() if key != "transparency"}
    entries = chosen.getpalette() if clear else []
    for index in range(len(entries) // 3):
        if tuple(entries[3 * index : 3 * index + 3]) == clear:
            chosen.info["transparency"] = index
            break
    return chosen


def turns_upright(image: Image.Image, data: bytes) -> bool:
    """Whether `image` (opened from `data`) is turned upright, by its EXIF orientation,
    as it is written again."""
    return _orientation(image, data) in UPRIGHT


def _orientation(image: Image.Image, data: bytes) -> int:
    """The EXIF orientation as browsers read it, 1 (as taken) for anything else.

    From the file's EXIF block only: Pillow's getexif() also takes an orientation
    from XMP (or from ImageMagick's PNG text) when the EXIF has none, and a picture
    whose editor dropped the EXIF but left a stale XMP orientation was stored
    turned from what its uploader saw. And as Chromium reads it: a SHORT from 1 to 8
    in the first IFD, or else in the Exif IFD it points to; in a JPEG, from the
    first APP1 segment that starts "Exif" and a zero, whatever byte follows, and
    within that segment; in a PNG, from the first eXIf chunk before the pixels,
    with no header. Pillow also took a LONG or a RATIONAL, the header twice, an eXIf
    chunk after the pixels, the last of two, and offsets into the next segment, and
    such pictures were stored turned where browsers show them as they lie, or as
    they lie where browsers turn them; it took no orientation from the Exif IFD, nor
    after another byte, where they turn it. An EXIF block that cannot be read means
    1; the block is left behind either way.
    """
    if isinstance(image, JpegImagePlugin.JpegImageFile):
        for kind, marker, at, length in jpeg_walk(data):
            if kind == "segment" and marker == 0xE1 and data[at + 2 : at + 7] == b"Exif\x00":
                return _exif_orientation(data[at + 8 : at + length])
        return 1
    # Of two, browsers (Chromium) take the first; Pillow the last.
    first = (body for name, body in _png_chunks_before_pixels(data) if name == b"eXIf")
    return _exif_orientation(next(first, b""))


def _exif_orientation(block: bytes) -> int:
    """A TIFF block's first Orientation that is one SHORT from 1 to 8, as Chromium
    finds it: in its first IFD's entries in their order, reading the Exif IFD where
    a pointer to it (a LONG) comes among them; 1 if there is none."""
    order = {b"II*\x00": "little", b"MM\x00*": "big"}.get(block[:4])
    if order is None:
        return 1

    def number(at: int, size: int) -> int:
        return int.from_bytes(block[at : at + size], order)

    def search(ifd: int, nested: bool = False) -> int | None:
        entries = number(ifd, 2) if ifd + 2 <= len(block) else 0
        for entry in range(ifd + 2, min(ifd + 2 + 12 * entries, len(block) - 11), 12):
            tag, kind, count = number(entry, 2), number(entry + 2, 2), number(entry + 4, 4)
            if tag == ExifTags.Base.Orientation and (kind, count) == (3, 1):  # 3: SHORT
                if 1 <= (value := number(entry + 8, 2)) <= 8:
                    return value
            elif (
                tag == ExifTags.IFD.Exif
                and (kind, count) == (4, 1)  # 4: LONG
                and not nested
                and (found := search(number(entry + 8, 4), nested=True)) is not None
            ):
                return found
        return None

    return search(number(4, 4)) or 1


def _save_options(image: Image.Image, image_format: str, data: bytes) -> dict:
    """How to write `image_format` as close to the upload as Pillow can, metadata aside."""
    icc_profile = profiles.kept(image.info.get("icc_profile"))
    if image_format == "JPEG":
        # The upload's own quantisation tables and chroma subsampling: a second
        # encode at the quality the camera chose, neither visibly worse nor bigger.
        # Always baseline: writing a progressive JPEG keeps every coefficient of the
        # picture again, and an output buffer of up to 4 bytes a pixel; a turned
        # 25-megapixel progressive CMYK JPEG peaked at 384 MiB, 287 written baseline.
        tables = _tables_by_component(image)
        if not tables:
            # A lossless JPEG (SOF3) quantises nothing: it has no tables to copy, and
            # Pillow's writer refused none. Pillow's standard tables at a quality no
            # one sees a loss at, each colour at full resolution.
            return {"quality": LOSSLESS_JPEG_QUALITY, "subsampling": 0, "icc_profile": icc_profile}
        return {
            "qtables": tables,
            "subsampling": JpegImagePlugin.get_sampling(image),
            "icc_profile": icc_profile,
        }
    if image_format == "WEBP":
        if _is_lossless_webp(data):
            return {"lossless": True, **WEBP_LOSSLESS_EFFORT, "icc_profile": icc_profile}
        return {"quality": WEBP_QUALITY, "icc_profile": icc_profile}
    if image_format == "PNG":
        if not _png_profile_before_palette(data):
            icc_profile = None  # decoders ignore it there (one at most: uploads.py)
        return {"icc_profile": icc_profile, "pnginfo": _png_colour_chunks(data)}
    return {"icc_profile": icc_profile}  # GIF: most carry none


def _png_chunks_before_pixels(data: bytes):
    """Each (name, body) of a PNG's chunks before its pixels (IDAT), in order: where
    the spec puts the chunks that say how to show them (config/media/blocks.py has
    bounded their number)."""
    offset = 8  # after the signature
    while offset + 8 <= len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        name = data[offset + 4 : offset + 8]
        if name in (b"IDAT", b"IEND"):
            return
        yield name, data[offset + 8 : offset + 8 + length]
        offset += 12 + length


def _png_palette_on(data: bytes) -> list[tuple[bytes, bytes]]:
    """A PNG's chunks before its pixels from its palette (PLTE) on; none without one.
    A palette's alpha is the first tRNS among them, as decoders read it."""
    chunks = list(_png_chunks_before_pixels(data))
    names = [name for name, _ in chunks]
    return chunks[names.index(b"PLTE") :] if b"PLTE" in names else []


def _png_colour_chunks(data: bytes) -> PngInfo:
    """The PNG_COLOUR_CHUNKS of a PNG, as they are, from the chunks before its palette
    and pixels, where the spec puts them: the first of each kind, of its kind's
    length (the spec allows one of each). libpng (Firefox) ignores one after the
    palette, and Chromium applies it: browsers disagree, and the picture is stored
    as libpng shows it (written before the palette, it would be applied by both)."""
    info, found = PngInfo(), set()
    for name, body in _png_chunks_before_pixels(data):
        if name == b"PLTE":
            break
        if PNG_COLOUR_CHUNKS.get(name) == len(body) and name not in found:
            info.add(name, body)
            found.add(name)
    return info


def _png_profile_before_palette(data: bytes) -> bool:
    """Whether a PNG's colour profile (iCCP) comes before its palette, where the spec
    puts it: libpng ignores one after it (Chromium applies it), which Pillow reads
    and writes before it."""
    for name, _ in _png_chunks_before_pixels(data):
        if name in (b"iCCP", b"PLTE"):
            return name == b"iCCP"
    return False


# An APNG's chunks: named as extras (a lower-case first letter), and its frames.
APNG_CHUNKS = (b"acTL", b"fcTL", b"fdAT")


def without_ignored_chunks(data: bytes) -> bytes:
    """A PNG's bytes without the chunks libpng leaves out and shows the picture
    without. Pillow refused the file for each, or read what libpng ignores:

    - a tRNS chunk of another length than its colour type takes (2 bytes for grey,
      6 for colour, 1 up to the palette's size for a palette), one before the
      palette or after the pixels, or any in a picture with an alpha channel: one
      too short was "Truncated tRNS chunk", one too long made pixels transparent by
      its first bytes, where libpng (Firefox) shows them opaque. Chromium's decoder
      reads those first bytes as Pillow does: browsers disagree, and the picture is
      stored as libpng shows it;
    - an extra chunk (its name's first letter in lower case: the picture can be
      shown without it) whose checksum is wrong: libpng drops it with a warning.
      Not an animation's frames, which the picture is made of.

    Every other byte stays."""
    if len(data) < 26:  # the signature and IHDR's colour type
        return data
    colour_type, palette, pixels = data[25], 0, False
    ignored, offset = [], 8
    while offset + 12 <= len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        name, end = data[offset + 4 : offset + 8], offset + 12 + length
        if end > len(data) or name == b"IEND":
            break
        extra = bool(name[0] & 0x20) and name not in APNG_CHUNKS
        if extra and zlib.crc32(data[offset + 4 : end - 4]) != int.from_bytes(
            data[end - 4 : end], "big"
        ):
            ignored.append((offset, end))
        elif name == b"PLTE":
            palette = length // 3
        elif name == b"IDAT":
            pixels = True
        elif name == b"tRNS":
            takes = {0: length == 2, 2: length == 6, 3: 1 <= length <= palette}
            if pixels or not takes.get(colour_type, False):
                ignored.append((offset, end))
        offset = end
    if not ignored:
        return data
    kept, start = [], 0
    for begin, end in ignored:
        kept.append(data[start:begin])
        start = end
    return b"".join([*kept, data[start:]])


# An APNG frame's blend op (the last byte of its fcTL chunk): drawn over the frame
# before, where the default (0) replaces it.
APNG_BLEND_OVER = 1


def draws_partly_transparent_over(data: bytes, frames: int) -> bool:
    """Whether an APNG (of `frames` frames, within the upload's limits) draws a frame
    after its first over the one before (blend op OVER) through a partly transparent
    pixel, which Pillow shows otherwise than browsers.

    Pillow pastes such a frame with its alpha as the mask, so a pixel's alpha comes
    out a * a + below * (1 - a), where browsers show a + below * (1 - a): red at
    half alpha over an opaque blue frame, opaque in browsers, was stored
    three-quarters opaque, and a palette's indices were mixed (red at half alpha).
    Pixels fully opaque or fully transparent it draws as browsers do, except a grey
    PNG's one transparent grey (its tRNS), which it pastes opaque: the frame below
    showed through it in browsers, and the stored frame had a hole there. Each frame
    drawn over the one before is decoded again on its own, as a PNG of its pixel
    chunks."""
    colour_type = data[25]  # in IHDR, the first chunk
    header = list(_png_chunks_before_pixels(data))
    palette = b""
    if colour_type == 3:
        # The palette's alpha, as decoders read it (`_png_transparency`): the first
        # tRNS after the palette, 255 for the entries it does not reach.
        after_palette = _png_palette_on(data)
        if not after_palette:
            return False
        palette = _png_chunk(b"PLTE", after_palette[0][1])
        alphas = next((body for name, body in after_palette if name == b"tRNS"), b"")
        partly = [entry for entry, alpha in enumerate(alphas) if 0 < alpha < 255]
        if not partly:
            return False
    elif colour_type == 0:
        # Grey whose tRNS names a transparent grey: Pillow pastes it opaque, where
        # browsers show the frame below through it (a hole once stored).
        grey = _png_transparency(data, "L")
        if not isinstance(grey, int):
            return False
    elif colour_type not in (4, 6):  # truecolour: Pillow draws its transparent colour right
        return False
    ihdr = header[0][1]
    width, height = int.from_bytes(ihdr[0:4], "big"), int.from_bytes(ihdr[4:8], "big")
    for index, (control, pixels) in enumerate(_apng_frames(data)):
        if index >= frames:
            break
        if index == 0 or len(control) < 26 or control[25] != APNG_BLEND_OVER:
            continue
        size, x, y = control[4:12], control[12:16], control[16:20]
        right = int.from_bytes(x, "big") + int.from_bytes(size[0:4], "big")
        bottom = int.from_bytes(y, "big") + int.from_bytes(size[4:8], "big")
        if right > width or bottom > height:
            continue  # Pillow refuses the file
        still = PNG_SIGNATURE + _png_chunk(b"IHDR", size + ihdr[8:]) + palette
        still += _png_chunk(b"IDAT", pixels) + _png_chunk(b"IEND", b"")
        with Image.open(io.BytesIO(still), formats=["PNG"]) as frame:
            if colour_type == 3:
                counts = frame.histogram()
                if any(counts[entry] for entry in partly):
                    return True
            elif colour_type == 0:
                # As "L", a 1-bit white is 255, as the value is read for "L".
                if frame.convert("L").histogram()[_png_transparency(data, "L")]:
                    return True
            elif any(frame.getchannel("A").histogram()[1:255]):
                return True
    return False


# An APNG frame's dispose op (the byte before its blend op): 1 clears the frame's
# place to transparent black, 2 puts back what was there before it; on the first
# frame, 2 clears as 1 does.
APNG_CLEARED, APNG_PUT_BACK = 1, 2


def apng_default_image_short(data: bytes) -> bool:
    """Whether an APNG's first frame is its default image (its fcTL comes before the
    pixels) without filling the canvas from its corner, as the APNG spec requires:
    Chromium shows no such file, and Pillow drew the frame on black."""
    chunks = list(_png_chunks_before_pixels(data))
    if not any(name == b"acTL" for name, _ in chunks):
        return False  # a still PNG: decoders pass a stray fcTL over
    control = next((body for name, body in chunks if name == b"fcTL"), None)
    header = next((body for name, body in chunks if name == b"IHDR"), b"")
    if control is None or len(control) < 20 or len(header) < 8:
        return False
    return control[4:12] != header[:8] or control[12:20] != bytes(8)


def apng_shown_otherwise(data: bytes, frames: int) -> bool:
    """Whether Pillow composes an APNG (of `frames` frames, within the upload's limits)
    otherwise than browsers, in a way its frames do not show until decoded:

    - A frame's place cleared (dispose op BACKGROUND, or PREVIOUS on the first
      frame) is transparent to browsers, and filled by Pillow with the value 0:
      transparent only with an alpha channel, or where tRNS makes 0 the
      transparent grey, colour or palette entry. Elsewhere it was stored black.
    - A frame after the first, drawn over the one before (blend op OVER) and then
      put back (dispose op PREVIOUS), is never taken away: Pillow draws it into the
      picture it keeps to put back. APNG optimisers write that pair.

    Either leaves a place that Pillow shows otherwise: it counts only if a frame is
    shown before another frame draws over all of it, replacing it (blend op SOURCE,
    or OVER in a picture with no transparency at all). A place is followed as the
    rectangle around all such places."""
    colour_type = data[25]  # in IHDR, the first chunk
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if colour_type in (4, 6):  # grey or truecolour with alpha
        zero_clear, see_through = True, True
    elif colour_type == 3:
        alphas = next((body for name, body in _png_palette_on(data) if name == b"tRNS"), b"")
        zero_clear, see_through = alphas[:1] == b"\x00", any(alpha < 255 for alpha in alphas)
    else:  # grey or truecolour, transparent where tRNS names the value
        transparent = _png_transparency(data, "L" if colour_type == 0 else "RGB")
        zero_clear, see_through = transparent in (0, (0, 0, 0)), transparent is not None
    otherwise = None if zero_clear else (0, 0, width, height)  # before the first frame
    controls = [control for control, _ in islice(_apng_frames(data), frames)]
    for index, control in enumerate(controls):
        if len(control) < 26:
            continue
        (w, h, x, y), dispose, blend = struct.unpack(">4I", control[4:20]), *control[24:26]
        place = (x, y, x + w, y + h)
        before = otherwise
        replaces = blend != APNG_BLEND_OVER or not see_through
        if otherwise is not None and not (replaces and _covers(place, otherwise)):
            return True  # this frame is shown with Pillow's place in it
        if index == len(controls) - 1:
            break  # after the last, the picture starts again
        if dispose == APNG_CLEARED or (index == 0 and dispose == APNG_PUT_BACK):
            otherwise = None if zero_clear else place
        elif dispose == APNG_PUT_BACK:
            otherwise = _around(before, place if blend == APNG_BLEND_OVER else None)
        else:
            otherwise = None
    return False


def _covers(outer: tuple, inner: tuple) -> bool:
    """Whether the rectangle `outer` (left, top, right, bottom) holds all of `inner`."""
    left, top, right, bottom = outer
    return left <= inner[0] and top <= inner[1] and right >= inner[2] and bottom >= inner[3]


def _around(first: tuple | None, second: tuple | None) -> tuple | None:
    """The rectangle around two (either may be None: none)."""
    if first is None or second is None:
        return first or second
    return (
        min(first[0], second[0]),
        min(first[1], second[1]),
        max(first[2], second[2]),
        max(first[3], second[3]),
    )


# A GIF frame's disposal (bits 2 to 4 of its graphic control block): 2 clears the
# frame's place, 3 puts back what was there before it; 0 and 1 leave the frame. The
# GIF spec defines no other (4 to 7).
GIF_CLEARED, GIF_PUT_BACK, GIF_DEFINED = 2, 3, 4


def gif_shown_otherwise(data: bytes, frames: int, size: tuple[int, int]) -> bool:
    """Whether Pillow composes a GIF (of `frames` frames, within the upload's limits,
    opened at `size`) otherwise than browsers show it: some frame opaque, or of
    another colour, where browsers show the page through the screen or another frame.

    Browsers start from a transparent screen and clear to transparent. Pillow fills
    the screen around a first frame without a transparent index with colour 0, and
    then decodes every frame opaque (RGB); it clears a frame without one to the
    background colour; it leaves a first frame put back, where browsers put back the
    empty screen; and a frame of disposal 0 after one cleared or put back is cleared
    or put back again, where browsers leave it. Where Pillow's screen may differ is
    followed frame by frame: a frame's opaque pixels (its own, decoded on their
    own) cover a difference, and one left showing in a frame refuses the file. A GIF
    whose later frame grows the screen is left to the checks as it is decoded; one
    with a disposal the spec does not define (4 to 7) before another frame is
    refused, and on its last frame, which nothing follows, left as it is."""
    images = list(_gif_images(data))[:frames]
    if any(disposal >= GIF_DEFINED for disposal, *_ in images[:-1]):
        return True  # Pillow puts back; each browser does as it sees fit
    if not images or any(
        x + width > size[0] or y + height > size[1] for _, _, (x, y, width, height), _ in images
    ):
        return False
    first_transparent = images[0][1] is not None
    differs = Image.new("L", size, 0 if first_transparent else 255)
    pillows = 0  # the disposal Pillow applies: the last other than 0
    for index, (disposal, transparent, (x, y, width, height), pixels) in enumerate(images):
        place = (x, y, x + width, y + height)
        pillows = disposal or pillows
        before = differs.crop(place)
        if not (width and height):
            pass  # nothing drawn
        elif transparent is None:
            differs.paste(0, place)
        else:
            still = b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00"
            still += b"," + struct.pack("<HHHH", 0, 0, width, height) + pixels + b";"
            with Image.open(io.BytesIO(still), formats=["GIF"]) as own:  # "L": the indices
                opaque = own.point([0 if value == transparent else 255 for value in range(256)])
            differs.paste(0, (x, y), opaque)
        if differs.getbbox() is not None:
            return True
        if disposal == GIF_CLEARED:
            # Transparent in Pillow with the first frame's transparency (RGBA), and
            # this frame's own, or the first's for the first.
            cleared = first_transparent and (index == 0 or transparent is not None)
            differs.paste(0 if cleared else 255, place)
        elif disposal == GIF_PUT_BACK:
            differs.paste(before if index else (0 if first_transparent else 255), place)
        elif pillows >= GIF_CLEARED:
            differs.paste(255, place)
    return False


def _gif_images(data: bytes):
    """Each (disposal, transparent index or None, (x, y, width, height), pixels) of a
    GIF's images, as `gif_walk` steps through it (as Pillow does): pixels is its
    descriptor's flags without a local colour table, then the LZW code size and
    sub-blocks, as a still GIF of it holds them."""
    disposal, transparent, image = 0, None, None
    for kind, at, label in gif_walk(data):
        if kind == "extension" and label == b"\xf9" and len(data) > at + 4 and data[at] >= 4:
            # A graphic control block, for the next image: its flags and index.
            flags, index = data[at + 1], data[at + 4]
            disposal = (flags >> 2) & 0x07
            transparent = index if flags & 1 else None
        elif kind == "image":
            place, flags = struct.unpack("<HHHH", data[at + 1 : at + 9]), data[at + 9]
            local_table = 3 * 2 ** ((flags & 0x07) + 1) if flags & 0x80 else 0
            image = place, flags, at + 10 + local_table
        elif kind == "end" and image is not None:
            place, flags, pixels = image
            yield disposal, transparent, place, bytes([flags & 0x40]) + data[pixels:at]
            disposal, transparent, image = 0, None, None


def _apng_frames(data: bytes):
    """Each (control, pixels) of an APNG's frames, in order: its fcTL chunk's body, and
    the data of its IDAT or fdAT chunks (without their sequence numbers) joined."""
    control, pixels, offset = None, [], 8  # after the signature
    while offset + 8 <= len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        name, body = data[offset + 4 : offset + 8], data[offset + 8 : offset + 8 + length]
        if name in (b"fcTL", b"IEND") and control is not None:
            yield control, b"".join(pixels)
            control, pixels = None, []
        if name == b"IEND":
            return
        if name == b"fcTL":
            control = body
        elif name == b"IDAT" and control is not None:  # not a default image's
            pixels.append(body)
        elif name == b"fdAT" and control is not None:
            pixels.append(body[4:])
        offset += 12 + length


def _png_chunk(name: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(name + body).to_bytes(4, "big")
    return len(body).to_bytes(4, "big") + name + body + crc


def _png_transparency(data: bytes, mode: str) -> int | tuple[int, int, int] | object | None:
    """The transparency to give Pillow's writer for a grey or truecolour PNG whose tRNS
    chunk names its one transparent grey or colour, matching the pixels as Pillow
    decodes them (`mode`); None where no pixel is transparent; `PILLOWS` for the
    other PNGs (a palette's alpha, or none), whose value Pillow keeps right.

    Pillow keeps the value at the file's bit depth, read from tRNS as two bytes a
    sample, while it decodes a grey PNG of 1, 2 or 4 bits to 8 (1 bit to its mode
    "1", 0 or 255) and 16-bit truecolour to the high byte of each sample: copied as
    read, a 2-bit logo's transparent white (3) matched no pixel and was stored opaque,
    a 1-bit one's was written as 255, which no 1-bit pixel holds, and a 16-bit
    picture's value, read again from an 8-bit file by its low byte, made another
    colour transparent. Read as Chromium reads it: at 8 bits and below, the low byte
    of each sample, and none at all if the depth cannot hold it; 16-bit grey Pillow
    keeps at 16 bits (mode I;16), value and all. (A 16-bit colour that differs from
    the transparent one in its low bytes alone turns transparent with it: Pillow's
    8 bits cannot tell them apart.)
    """
    depth, colour_type = data[24], data[25]  # in IHDR, the first chunk
    if colour_type == 3:
        # A palette's alpha counts between PLTE and the pixels, where decoders read
        # it; Pillow also reads one before PLTE or after the pixels, which they ignore
        # (written in place, every pixel of a logo shown opaque turned transparent).
        # Of two, decoders take the first (libpng, Chromium); Pillow the last.
        alphas = [body for name, body in _png_palette_on(data) if name == b"tRNS"]
        if not alphas:
            return None
        return PILLOWS if len(alphas) == 1 else alphas[0]
    if colour_type not in (0, 2):  # grey, truecolour
        return PILLOWS
    count = 3 if colour_type == 2 else 1
    # Of two, decoders take the first (libpng, Chromium); Pillow the last.
    chunks = _png_chunks_before_pixels(data)
    found = next((body for name, body in chunks if name == b"tRNS"), b"")[: 2 * count]
    if len(found) < 2 * count:
        return None
    if depth == 16 and colour_type == 0:
        return int.from_bytes(found, "big")
    # At 16 bits the high bytes, as Pillow decodes the pixels; else the low bytes.
    samples = tuple(found[0 if depth == 16 else 1 :: 2])
    if depth < 16 and max(samples) >= 2**depth:
        return None
    if colour_type == 2:
        return samples
    if mode == "1":
        return samples[0]  # written again at 1 bit
    return samples[0] * 255 // (2**depth - 1)  # as Pillow scales the pixels to 8 bits


def _tables_by_component(image: Image.Image) -> list:
    """A JPEG's quantisation tables as Pillow's writer takes them: by position, the
    first for the first component and so on, the last for the components after it.

    Pillow reads them under the numbers the file gives them, which need not be 0, 1
    (a valid file may number its only table 1, or give the first component table 1):
    passed as read, those were refused ("too many quantization tables"), or each
    component was written with another's table."""
    if any(table not in image.quantization for *_, table in image.layer):
        # A table defined after the first scan, which the standard allows: Pillow
        # reads only those before it. Those, in the order of their numbers (a dict
        # whose numbers do not start at 0 Pillow's writer refuses).
        return [image.quantization[number] for number in sorted(image.quantization)]
    tables = [image.quantization[table] for *_, table in image.layer]
    while len(tables) > 1 and tables[-1] == tables[-2]:
        tables.pop()  # the last table serves the components after it
    return tables


def _is_lossless_webp(data: bytes) -> bool:
    """Whether a WebP file's first picture is lossless (a VP8L chunk, not VP8)."""
    offset = 12  # after "RIFF", the size and "WEBP"
    while offset + 8 <= len(data):
        fourcc = data[offset : offset + 4]
        size = int.from_bytes(data[offset + 4 : offset + 8], "little")
        if fourcc in (b"VP8 ", b"VP8L"):
            return fourcc == b"VP8L"
        # An animation's first frame (ANMF) holds its picture's chunks after 16 bytes.
        offset += 8 + (16 if fourcc == b"ANMF" else size + size % 2)
    return False
