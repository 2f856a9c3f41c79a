"""Stored animations as Chromium shows them: each frame, decoded by the browser.

Pillow composites a GIF's or APNG's frames its own way, so it cannot tell what a
visitor sees. Chromium's ImageDecoder (WebCodecs) gives each frame as the browser
draws it; the stored file must show what the upload showed.
"""

import base64

import pytest

from config.media.uploads import clean_image
from tests.factories import upload
from tests.images import (
    ACCEPTED,
    apng_disposing_to_background,
    gif_disposing,
    gif_on_a_larger_screen,
)

# Each frame of a file, as Chromium draws it: [[r, g, b, a] of each point asked].
FRAMES_AS_SHOWN = """async ([data, type, points]) => {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const decoder = new ImageDecoder({data: bytes, type});
  await decoder.tracks.ready;
  const count = decoder.tracks.selectedTrack.frameCount;
  const frames = [];
  for (let index = 0; index < count; index++) {
    const {image} = await decoder.decode({frameIndex: index});
    const canvas = new OffscreenCanvas(image.displayWidth, image.displayHeight);
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0);
    image.close();
    frames.push(points.map(([x, y]) => Array.from(context.getImageData(x, y, 1, 1).data)));
  }
  return frames;
}"""
TYPES = {"GIF": "image/gif", "PNG": "image/png", "WEBP": "image/webp"}
TRANSPARENT = None
RED, BLUE = [255, 0, 0, 255], [0, 0, 255, 255]


def as_shown(page, content: bytes, image_format: str, points: list[tuple[int, int]]):
    """Each frame's pixels at `points`, None where the browser shows it transparent."""
    frames = page.evaluate(
        FRAMES_AS_SHOWN, [base64.b64encode(content).decode(), TYPES[image_format], points]
    )
    return [[pixel if pixel[3] else TRANSPARENT for pixel in frame] for frame in frames]


@pytest.mark.parametrize(
    ("make", "image_format", "shown"),
    [
        # No frame covers the corner: the GIF's colour 0 was stored there, opaque.
        (gif_on_a_larger_screen, "GIF", [[TRANSPARENT, RED]]),
        # Cleared to the background: its colour was stored.
        (lambda: gif_disposing(2), "GIF", [[RED, RED], [TRANSPARENT, BLUE]]),
        # Put back to what was there before the first frame, nothing: red was stored.
        (lambda: gif_disposing(3), "GIF", [[RED, RED], [TRANSPARENT, BLUE]]),
        # The APNG spec clears to transparent black; an RGB file was stored black.
        (apng_disposing_to_background, "PNG", [[RED, RED], [TRANSPARENT, BLUE]]),
    ],
)
def test_canvas_the_browser_shows_transparent_is_stored_so(page, make, image_format, shown):
    """The browser shows a GIF's or APNG's canvas transparent where no frame has
    covered it yet, or where a frame was disposed of, whatever background colour
    the file names. Pillow filled those areas with an opaque colour, and the
    re-encode wrote it into the stored file."""
    page.goto("/")  # ImageDecoder is for secure pages only
    content = make()
    kind, stored = clean_image(upload(f"a.{image_format.lower()}", content))
    assert kind.name == image_format
    points = [(0, 0), (10, 10)]
    assert as_shown(page, content, image_format, points) == shown
    assert as_shown(page, stored, image_format, points) == shown


ANIMATED = [
    case
    for case in ACCEPTED
    if "animat" in case and ACCEPTED.expected(case) in ("GIF", "PNG", "WEBP")
]


@pytest.mark.parametrize("case", ANIMATED)
def test_every_accepted_animation_is_stored_as_the_browser_shows_it(page, case):
    page.goto("/")
    content, image_format = ACCEPTED[case]
    _, stored = clean_image(upload("a.bin", content))
    points = [(x, y) for x in (0, 7, 19) for y in (0, 9, 19)]
    assert as_shown(page, stored, image_format, points) == as_shown(
        page, content, image_format, points
    )
