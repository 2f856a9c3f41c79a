"""Stored animations as Chromium shows them: each frame, decoded by the browser; and
the EXIF orientations the upload tests expect, as Chromium reads them.

Pillow composites a GIF's or APNG's frames its own way (it fills a canvas no frame
covers, or a frame disposed of, with an opaque colour where browsers show it
transparent), so it cannot tell what a visitor sees. Chromium's ImageDecoder
(WebCodecs) gives each frame as the browser draws it; the stored file must show
what the upload showed.
"""

import base64
import io

import pytest
from PIL import Image

from config.media.reencode import reencode
from config.media.uploads import clean_image
from tests.factories import upload
from tests.images import ACCEPTED, REFUSED
from tests.media.test_uploads import ORIENTATIONS

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


def as_shown(page, content: bytes, image_format: str, points: list[tuple[int, int]]):
    """Each frame's pixels at `points`, None where the browser shows it transparent."""
    frames = page.evaluate(
        FRAMES_AS_SHOWN, [base64.b64encode(content).decode(), TYPES[image_format], points]
    )
    return [[pixel if pixel[3] else TRANSPARENT for pixel in frame] for frame in frames]


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


SHOWN_OTHERWISE = [case for case in REFUSED if case.startswith("gif") and "screen" in case]
SHOWN_OTHERWISE += [case for case in REFUSED if case.startswith("gif") and "put back" in case]
SHOWN_OTHERWISE += ["gif cleared without a transparent colour"]
SHOWN_OTHERWISE += [
    case
    for case in REFUSED
    if case.startswith("apng") and ("clearing" in case or "putting back" in case)
]


@pytest.mark.parametrize("case", SHOWN_OTHERWISE)
def test_an_animation_refused_for_its_canvas_is_one_pillow_would_store_otherwise(page, case):
    """What `gif_shown_otherwise` and `apng_shown_otherwise` refuse, written again as
    Pillow composes it, is not what the browser shows of the upload."""
    page.goto("/")
    content, _ = REFUSED[case]
    image_format = "PNG" if case.startswith("apng") else "GIF"
    with Image.open(io.BytesIO(content)) as image:
        frames = image.n_frames
    stored = reencode(content, image_format, animated=frames > 1, max_pixels=25_000_000)
    points = [(x, y) for x in (0, 3, 7, 12, 19) for y in (0, 3, 7, 12, 19)]
    assert as_shown(page, stored, image_format, points) != as_shown(
        page, content, image_format, points
    )


# A picture's size as Chromium shows it in an <img>, its EXIF orientation applied.
SHOWN_SIZE = """async ([data, type]) => {
  const image = new Image();
  image.src = `data:${type};base64,${data}`;  // the site's CSP allows data: images
  await image.decode();
  return [image.naturalWidth, image.naturalHeight];
}"""


@pytest.mark.parametrize("case", ORIENTATIONS)
def test_the_orientations_the_upload_tests_expect_are_chromiums(page, case):
    """tests/media/test_uploads.py says which EXIF blocks turn a picture: Chromium turns
    those, and only those (a 40 x 30 picture shown 30 x 40)."""
    page.goto("/")
    content, turned = ORIENTATIONS[case]
    image_type = "image/png" if case.startswith("png") else "image/jpeg"
    shown = page.evaluate(SHOWN_SIZE, [base64.b64encode(content).decode(), image_type])
    assert shown == ([30, 40] if turned else [40, 30])


UNDECODABLE = """async (data) => {
  const image = new Image();
  image.src = `data:image/png;base64,${data}`;
  return image.decode().then(() => "decoded", error => error.name);
}"""


@pytest.mark.parametrize(
    "case", [case for case in REFUSED if case.startswith("apng whose first frame is")]
)
def test_an_apng_refused_for_its_default_image_is_one_chromium_cannot_show(page, case):
    page.goto("/")
    content, _ = REFUSED[case]
    assert page.evaluate(UNDECODABLE, base64.b64encode(content).decode()) == "EncodingError"
