"""Product pictures for the demo catalog, drawn with Pillow at seed time (no network).

`stored_images(pictures)` draws one flat illustration per (drawing, colour) pair
(a drawing per noun: catalog/pictures_*.py),
stores each through `default_storage` (the versioned media bucket) and returns
its name and size. Each file's name ends with a hash of its bytes, so a name on
the bucket always holds the same picture: seeding again finds it there and
uploads nothing, and a changed drawing gets a new name instead of piling
versions onto the old one. Products share these files (one per noun and colour:
290 at most, for any number of products); nothing in the app deletes a file when
a product is deleted or given another image, so sharing is safe.

The pictures are WebP, SIZE pixels (the card shows them at its own width, the
product page at most this wide), a few kilobytes each.
"""

import functools
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.text import slugify
from PIL import Image, ImageDraw

from catalog import pictures_gear, pictures_home, pictures_work
from catalog.picture_kit import Colour, Drawing

SIZE = (480, 360)
FOLDER = "products/demo"
SCALE = 2  # drawn at twice the size, then scaled down: smooth edges
BACKGROUND = "#eceff3"
SHADOW = "#d8dce2"
WEBP_QUALITY = 80
# libwebp's effort, 0 to 6 (default 4): 2 encodes three times faster for files
# about 10% larger (2.2 KB on average here), a good trade for a seed command.
WEBP_METHOD = 2


@dataclass(frozen=True)
class StoredImage:
    name: str
    width: int
    height: int


def _rgb(hex_colour: str) -> Colour:
    value = hex_colour.lstrip("#")
    return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))


def _mix(colour: Colour, other: Colour, share: float) -> Colour:
    return tuple(round(a + (b - a) * share) for a, b in zip(colour, other, strict=True))


# One drawing per noun, by picture name (Noun.picture in catalog/demo_categories.py).
DRAWINGS: dict[str, Drawing] = {
    **pictures_home.DRAWINGS,
    **pictures_work.DRAWINGS,
    **pictures_gear.DRAWINGS,
}


@functools.cache  # the same bytes for every seed run in one process (the tests run many)
def draw(picture: str, colour: str) -> bytes:
    """One picture as WebP bytes: `picture` a key of DRAWINGS, `colour` as '#rrggbb'."""
    width, height = SIZE
    image = Image.new("RGB", (width * SCALE, height * SCALE), BACKGROUND)
    canvas = ImageDraw.Draw(image)
    canvas.ellipse((220, 600, 740, 680), fill=SHADOW)
    main = _rgb(colour)
    DRAWINGS[picture](canvas, main, _mix(main, (0, 0, 0), 0.35), _mix(main, (255, 255, 255), 0.45))
    buffer = io.BytesIO()
    # reduce(): a box filter, several times faster than LANCZOS and as smooth at 2:1.
    image.reduce(SCALE).save(buffer, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    return buffer.getvalue()


def _prefix(picture: str, colour_name: str) -> str:
    return f"{FOLDER}/{picture}-{slugify(colour_name)}-"


def file_name(picture: str, colour_name: str, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()[:12]
    return f"{_prefix(picture, colour_name)}{digest}.webp"


def _drawn(pictures: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str], tuple[bytes, str]]:
    return {
        (picture, colour_name): (content, file_name(picture, colour_name, content))
        for picture, colour_name, colour in pictures
        for content in [draw(picture, colour)]
    }


def _present() -> set[str]:
    """The file names in FOLDER, from one listing."""
    try:
        return set(default_storage.listdir(FOLDER)[1])
    except FileNotFoundError:  # a file system storage before its first picture
        return set()


def stored_images(pictures: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str], StoredImage]:
    """Store each (picture, colour name, '#rrggbb') once; return them by (picture, colour name).

    One listing of FOLDER tells which are there already; only missing files are
    uploaded. Storage errors (S3 unreachable, refused keys) propagate.
    """
    present = _present()
    images = {}
    for key, (content, name) in _drawn(pictures).items():
        if name.rpartition("/")[2] not in present:
            # file_overwrite is off: a name taken meanwhile comes back changed; keep it.
            name = default_storage.save(name, ContentFile(content))
        images[key] = StoredImage(name, *SIZE)
    return images


def restore(
    in_use: set[str], pictures: Iterable[tuple[str, str, str]]
) -> tuple[list[str], set[str]]:
    """Store again each of `pictures` whose name is `in_use` but missing; return those
    names, and the names in use that are missing still (drawn by an earlier drawing
    or encoder: the same picture now gives other bytes, so another name).

    For a catalog that outlived its media (the demo's local S3 server keeps files in
    memory, its database on disk): the same drawing gives the same bytes and name.
    Only the pictures whose names could match a missing one are drawn, so a start
    that finds everything in place draws nothing.
    """
    present = _present()
    lost = {name for name in in_use if name.rpartition("/")[2] not in present}
    candidates = [
        (picture, colour_name, colour)
        for picture, colour_name, colour in pictures
        if any(name.startswith(_prefix(picture, colour_name)) for name in lost)
    ]
    missing = [(name, content) for content, name in _drawn(candidates).values() if name in lost]
    for name, content in missing:
        default_storage.save(name, ContentFile(content))
    restored = [name for name, _ in missing]
    return restored, lost - set(restored)
