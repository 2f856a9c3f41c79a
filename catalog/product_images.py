"""Product pictures for the demo catalog, drawn with Pillow at seed time (no network).

`stored_images(pictures)` draws one flat illustration per (drawing, colour) pair,
stores each through `default_storage` (the versioned media bucket) and returns
its name and size. Each file's name ends with a hash of its bytes, so a name on
the bucket always holds the same picture: seeding again finds it there and
uploads nothing, and a changed drawing gets a new name instead of piling
versions onto the old one. Products share these files (a few dozen for any
number of products); nothing in the app deletes a file when a product is deleted
or given another image, so sharing is safe.

The pictures are WebP, SIZE pixels (the card shows them at its own width, the
product page at most this wide), a few kilobytes each.
"""

import functools
import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.text import slugify
from PIL import Image, ImageDraw

SIZE = (480, 360)
FOLDER = "products/demo"
SCALE = 2  # drawn at twice the size, then scaled down: smooth edges
BACKGROUND = "#eceff3"
SHADOW = "#d8dce2"
WOOD = "#b5835a"
STEEL = "#8a939c"
LEAF = "#4f8a4f"
WEBP_QUALITY = 80
# libwebp's effort, 0 to 6 (default 4): 2 encodes three times faster for files
# about 10% larger (2.2 KB on average here), a good trade for a seed command.
WEBP_METHOD = 2

Colour = tuple[int, int, int]


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


# Each drawing gets the canvas (960 x 720) and three shades of the product's colour.
Drawing = Callable[[ImageDraw.ImageDraw, Colour, Colour, Colour], None]


def kettle(d, main, dark, light):
    d.polygon([(330, 400), (210, 260), (190, 280), (300, 470)], fill=dark)  # spout
    d.arc((350, 150, 610, 420), 180, 360, fill=dark, width=34)  # handle
    d.rounded_rectangle((300, 300, 660, 610), 70, fill=main, outline=dark, width=6)
    d.rounded_rectangle((380, 270, 580, 320), 20, fill=dark)  # lid
    d.ellipse((455, 235, 505, 285), fill=dark)
    d.rounded_rectangle((340, 340, 380, 560), 20, fill=light)  # highlight


def headphones(d, main, dark, light):
    d.arc((270, 150, 690, 570), 180, 360, fill=dark, width=44)
    for left in (240, 620):
        d.rounded_rectangle((left, 330, left + 100, 560), 40, fill=main, outline=dark, width=6)
        inner = left + 70 if left < 480 else left - 10
        d.rounded_rectangle((inner, 360, inner + 40, 530), 18, fill=dark)
    d.rounded_rectangle((265, 360, 285, 500), 10, fill=light)


def tent(d, main, dark, light):
    d.polygon([(200, 600), (480, 190), (760, 600)], fill=main, outline=dark, width=6)
    d.polygon([(480, 190), (760, 600), (640, 600)], fill=dark)
    d.polygon([(390, 600), (480, 400), (570, 600)], fill=light)
    d.line([(150, 605), (810, 605)], fill=dark, width=10)


def notebook(d, main, dark, light):
    d.rounded_rectangle((330, 150, 640, 610), 24, fill=main, outline=dark, width=6)
    d.rectangle((330, 160, 375, 600), fill=dark)  # spine
    d.rectangle((575, 150, 592, 610), fill=dark)  # elastic band
    d.rounded_rectangle((410, 240, 545, 310), 10, fill=light)  # label


def pendant(d, main, dark, light):
    d.line([(480, 0), (480, 250)], fill=dark, width=10)
    d.rounded_rectangle((445, 220, 515, 270), 10, fill=dark)
    d.ellipse((420, 470, 540, 590), fill="#fff3c4")  # the bulb's glow
    d.pieslice((270, 250, 690, 670), 180, 360, fill=main, outline=dark, width=6)
    d.line([(270, 460), (690, 460)], fill=dark, width=8)
    d.arc((320, 300, 640, 620), 200, 250, fill=light, width=16)


def towels(d, main, dark, light):
    shades = (dark, light, main)
    for i, (top, inset) in enumerate(((480, 0), (370, 30), (260, 60))):
        box = (260 + inset, top, 700 - inset, top + 110)
        d.rounded_rectangle(box, 30, fill=shades[i], outline=dark, width=6)
        d.rectangle((box[0] + 40, top + 70, box[2] - 40, top + 82), fill=light if i else main)


def hammer(d, main, dark, light):
    d.rounded_rectangle((450, 280, 510, 650), 24, fill=WOOD, outline=dark, width=6)
    d.rounded_rectangle((446, 500, 514, 650), 24, fill=main, outline=dark, width=6)  # grip
    d.polygon([(300, 220), (560, 200), (560, 310), (300, 290)], fill=STEEL, outline=dark)
    d.polygon([(560, 200), (690, 160), (650, 250), (560, 310)], fill=STEEL, outline=dark)


def dumbbell(d, main, dark, light):
    d.rounded_rectangle((240, 345, 720, 385), 16, fill=STEEL)
    for x in (290, 600):
        d.rounded_rectangle((x, 240, x + 70, 490), 18, fill=main, outline=dark, width=6)
        side = x - 35 if x < 480 else x + 70
        d.rounded_rectangle((side, 285, side + 35, 445), 12, fill=dark)
    d.rounded_rectangle((305, 260, 320, 470), 7, fill=light)


def suitcase(d, main, dark, light):
    d.rounded_rectangle((415, 150, 545, 250), 24, outline=dark, width=22)  # handle
    d.rounded_rectangle((300, 230, 660, 610), 40, fill=main, outline=dark, width=6)
    for x in (390, 480, 570):
        d.line([(x, 260), (x, 580)], fill=dark, width=10)
    for x in (340, 620):
        d.ellipse((x - 25, 600, x + 25, 650), fill=dark)
    d.rounded_rectangle((320, 260, 345, 450), 12, fill=light)


def plant(d, main, dark, light):
    d.line([(480, 420), (480, 230)], fill=LEAF, width=12)
    for tip, base in (((330, 250), (480, 360)), ((630, 220), (480, 330)), ((480, 140), (480, 260))):
        mid = ((tip[0] + base[0]) / 2, (tip[1] + base[1]) / 2)
        spread = (base[1] - tip[1]) / 4, (tip[0] - base[0]) / 4
        left = (mid[0] - spread[0], mid[1] - spread[1])
        right = (mid[0] + spread[0], mid[1] + spread[1])
        d.polygon([base, left, tip, right], fill=LEAF, outline="#3b6b3b")
    d.polygon([(370, 440), (590, 440), (560, 630), (400, 630)], fill=main, outline=dark, width=6)
    d.rounded_rectangle((345, 405, 615, 455), 14, fill=dark)
    d.rounded_rectangle((395, 470, 415, 600), 10, fill=light)


DRAWINGS: dict[str, Drawing] = {
    drawing.__name__: drawing
    for drawing in (
        *(kettle, headphones, tent, notebook, pendant),
        *(towels, hammer, dumbbell, suitcase, plant),
    )
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


def file_name(picture: str, colour_name: str, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()[:12]
    return f"{FOLDER}/{picture}-{slugify(colour_name)}-{digest}.webp"


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


def restore(in_use: set[str], pictures: Iterable[tuple[str, str, str]]) -> list[str]:
    """Store again each of `pictures` whose name is `in_use` but missing; return those names.

    For a catalog that outlived its media (the demo's local S3 server keeps files in
    memory, its database on disk): the same drawing gives the same bytes and name.
    """
    present = _present()
    missing = [
        (name, content)
        for content, name in _drawn(pictures).values()
        if name in in_use and name.rpartition("/")[2] not in present
    ]
    for name, content in missing:
        default_storage.save(name, ContentFile(content))
    return [name for name, _ in missing]
