"""Count the blocks a file holds around its picture, before Pillow reads any of them.

`too_many_blocks(data)` says whether a JPEG, PNG, GIF or WebP holds more small blocks
than real files do. Pillow reads these blocks in Python, one by one, as it opens
a file (a JPEG's segments up to its first scan, a PNG's chunks, a GIF's
extensions and sub-blocks), and no limit on bytes, pixels, frames or scans bounds
how many there are: a 5 MB JPEG of ten-byte EXIF segments kept a process busy
67 to 75 s (Pillow joins each segment's EXIF onto the last, a cost that grows with
the square of their number) and its peak 113 MiB higher; 5 MB of empty APP0
segments 12 s and 343 MiB; of fill bytes 17 s; of empty PNG chunks, one-byte GIF
comment sub-blocks or GIF comments 4 to 9 s; of empty WebP chunks 1.1 s. Pillow
also steps over stray bytes, FF 00 pairs and markers without a length one at a
time, so the walk here steps as Pillow's does, or a stray byte first would hide
what follows from it. Counted from the headers alone, and stopped at the first
count over its limit, a file is read in milliseconds.

The limits are far above what cameras and editors write: a colour profile in
64 KB segments, XMP, a few comments or text chunks; a 5 MB PNG split into 8 KB
pixel chunks has 640, a 5 MB GIF 20,500 sub-blocks of 255 bytes.
"""

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG, up to the first scan: segments (a marker and its length), and the steps
# Pillow takes a byte or a marker at a time: stray bytes, fill bytes (FF before a
# marker), FF 00 pairs and markers without a length.
JPEG_MAX_SEGMENTS = 256
JPEG_MAX_STEPS = 1_024
# Markers Pillow reads no length for (its MARKER table: no handler).
JPEG_NO_LENGTH = frozenset({0xC8, *range(0xD0, 0xDA), *range(0xF0, 0xFE)})
JPEG_START_OF_SCAN = 0xDA
# A quantisation table segment holds at most four tables of 1 + 128 bytes (each
# table's four slots once); Pillow reads every table of one in Python, and 5 MB of
# them took 1.5 s.
JPEG_QUANTISATION_TABLES = 0xDB
JPEG_MAX_QUANTISATION_LENGTH = 2 + 4 * 129
# PNG: chunks holding pixels (an APNG's frame controls with them), and all others.
PNG_PIXEL_CHUNKS = frozenset({b"IDAT", b"fdAT", b"fcTL"})
PNG_MAX_PIXEL_CHUNKS = 20_000
PNG_MAX_OTHER_CHUNKS = 256
# GIF: extension blocks (a frame's timing is one), sub-blocks of up to 255 bytes,
# of extensions and pixel data alike, and stray bytes between blocks.
GIF_MAX_EXTENSIONS = 4_096
GIF_MAX_SUB_BLOCKS = 50_000
GIF_MAX_STRAY_BYTES = 1_024
# Images: Pillow steps through every frame (n_frames) before the site's frame limit
# is checked; 436,000 bare frames of 12 bytes took 2.2 s.
GIF_MAX_IMAGES = 4_096
# WebP: the chunks of its RIFF file (an animation's frames are one each).
WEBP_MAX_CHUNKS = 2_048


def too_many_blocks(data: bytes) -> bool:
    """Whether `data`, a JPEG, PNG, GIF or WebP, holds more blocks than its limits
    (see module doc). Other files, and what does not parse, are left to Pillow."""
    if data.startswith(b"\xff\xd8"):
        return _jpeg_over(data)
    if data.startswith(PNG_SIGNATURE):
        return _png_over(data)
    if data.startswith((b"GIF87a", b"GIF89a")):
        return _gif_over(data)
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return _webp_over(data)
    return False


def png_chunk_names(data: bytes):
    """The names of a PNG's chunks in order, up to IEND, read from the chunk headers
    alone (each is its length, its name, its data and a checksum)."""
    at = len(PNG_SIGNATURE)
    while at + 8 <= len(data):
        name = data[at + 4 : at + 8]
        yield name
        if name == b"IEND":
            return
        at += 12 + int.from_bytes(data[at : at + 4], "big")


def _png_over(data: bytes) -> bool:
    pixels = others = 0
    for name in png_chunk_names(data):
        if name in PNG_PIXEL_CHUNKS:
            pixels += 1
        else:
            others += 1
        if pixels > PNG_MAX_PIXEL_CHUNKS or others > PNG_MAX_OTHER_CHUNKS:
            return True
    return False


def _jpeg_over(data: bytes) -> bool:
    """Steps through the file as Pillow's JpegImageFile._open does, up to the
    first scan (libjpeg reads the rest, in C)."""
    segments = steps = 0
    for kind, marker, _, length in jpeg_walk(data):
        if kind in ("byte", "marker"):
            steps += 1
            if steps > JPEG_MAX_STEPS:
                return True
        elif kind == "segment":
            if marker == JPEG_QUANTISATION_TABLES and length > JPEG_MAX_QUANTISATION_LENGTH:
                return True
            segments += 1
            if segments > JPEG_MAX_SEGMENTS:
                return True
    return False


def jpeg_first_scan_components(data: bytes) -> int | None:
    """How many components the first scan of a JPEG holds (its SOS header's count),
    found as Pillow finds it; None where there is no scan to read."""
    for kind, _, at, _ in jpeg_walk(data):
        if kind == "scan":
            return data[at + 2] if at + 2 < len(data) else None
    return None


def jpeg_walk(data: bytes):
    """Each step Pillow takes through a JPEG up to its first scan, as (kind, marker,
    offset after the marker, length): "byte" (a stray byte or a fill byte, one at a
    time; FF 00, both), "marker" (one without a length), "segment", and last "scan"
    or "end" (a marker Pillow refuses the file at)."""
    at = 2
    while at + 1 < len(data):
        if data[at] != 0xFF or data[at + 1] in (0x00, 0xFF):
            at += 2 if data[at] == 0xFF and data[at + 1] == 0x00 else 1
            yield "byte", None, at, 0
            continue
        marker = data[at + 1]
        at += 2
        if marker == JPEG_START_OF_SCAN or marker < 0xC0:
            yield ("scan" if marker == JPEG_START_OF_SCAN else "end"), marker, at, 0
            return
        if marker in JPEG_NO_LENGTH:
            yield "marker", marker, at, 0
            continue
        # Pillow reads the length, then the length less its own two bytes, if any.
        length = int.from_bytes(data[at : at + 2], "big")
        yield "segment", marker, at, length
        at += max(2, length)


# What a GIF's walk counts, and how many of each it allows.
GIF_LIMITS = {
    "extension": GIF_MAX_EXTENSIONS,
    "image": GIF_MAX_IMAGES,
    "sub-block": GIF_MAX_SUB_BLOCKS,
    "stray": GIF_MAX_STRAY_BYTES,
}


def _gif_over(data: bytes) -> bool:
    counts = dict.fromkeys(GIF_LIMITS, 0)
    for kind, _, _ in gif_walk(data):
        if kind in counts:
            counts[kind] += 1
            if counts[kind] > GIF_LIMITS[kind]:
                return True
    return False


def gif_walk(data: bytes):
    """Each step of a GIF as Pillow's GifImageFile._seek takes it, every frame, as
    (kind, at, label): "extension" (`at` its first sub-block, `label` its label),
    "image" (`at` its descriptor), "sub-block" (`at` after it), "end" (`at` after a
    block's terminator) and "stray" (a byte that starts no block: Pillow reads on
    past it); the walk stops at the trailer."""
    at = 13  # the header and the logical screen descriptor
    if len(data) > 10 and data[10] & 0x80:  # a global colour table
        at += 3 * 2 ** ((data[10] & 0x07) + 1)
    images = 0
    while at < len(data):
        introducer = data[at]
        if introducer == 0x3B:  # the trailer
            return
        if introducer == 0x21:  # an extension: its label, then sub-blocks
            label = data[at + 1 : at + 2]
            at += 2
            yield "extension", at, label
            # Before the first image Pillow reads a second sub-block after a
            # NETSCAPE2.0 one (the loop count) and then reads on: where that second
            # one is the terminator, it takes the byte after it for a size.
            if label == b"\xff" and images == 0 and data[at + 1 : at + 12] == b"NETSCAPE2.0":
                at += 1 + data[at]
                if data[at : at + 1] == b"\x00":
                    at += 1
        elif introducer == 0x2C and at + 10 <= len(data):  # an image
            images += 1
            yield "image", at, None
            flags = data[at + 9]
            at += 10
            if flags & 0x80:  # a local colour table
                at += 3 * 2 ** ((flags & 0x07) + 1)
            at += 1  # the LZW minimum code size
        else:
            yield "stray", at, None
            at += 1
            continue
        while at < len(data):
            size = data[at]
            at += 1 + size
            if size == 0:
                break
            yield "sub-block", at, None
        yield "end", at, None


def _webp_over(data: bytes) -> bool:
    """Counts the RIFF chunks at the top of the file, where the project's own reading
    of a WebP (reencode._is_lossless_webp) and libwebp walk them."""
    at, chunks = 12, 0  # after "RIFF", the size and "WEBP"
    while at + 8 <= len(data):
        size = int.from_bytes(data[at + 4 : at + 8], "little")
        at += 8 + size + size % 2
        chunks += 1
        if chunks > WEBP_MAX_CHUNKS:
            return True
    return False
