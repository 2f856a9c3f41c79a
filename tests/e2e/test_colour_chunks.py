"""A PNG's colour chunk after its palette, in Chromium: one more file browsers
disagree on (docs/production.md, "What is kept").

libpng, and Firefox with it, ignores a gAMA, cHRM, sRGB, cICP or iCCP chunk that
comes after PLTE; Chromium applies it. The upload stores such a picture without
the chunk, as libpng shows it: in Chromium the stored file shows as the upload
without that chunk, and otherwise than the upload itself.
"""

import base64
import io
import struct

from PIL import Image

from config.media.uploads import clean_image
from tests.factories import upload
from tests.images import png_chunk

# The top-left pixel of a PNG as Chromium draws it: [r, g, b, a].
FIRST_PIXEL = """async (data) => {
  const image = new Image();
  image.src = `data:image/png;base64,${data}`;  // the site's CSP allows data: images
  await image.decode();
  const canvas = new OffscreenCanvas(image.naturalWidth, image.naturalHeight);
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  return Array.from(context.getImageData(0, 0, 1, 1).data);
}"""


def shown(page, content: bytes) -> list[int]:
    return page.evaluate(FIRST_PIXEL, base64.b64encode(content).decode())


def test_a_gamma_after_the_palette_is_chromiums_and_is_stored_as_libpng_shows_it(page):
    page.goto("/")
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (128, 128, 128)).convert("P").save(buffer, "PNG")
    plain = buffer.getvalue()
    after_palette = plain.index(b"PLTE") - 4
    after_palette += 12 + int.from_bytes(plain[after_palette : after_palette + 4], "big")
    gamma = png_chunk(b"gAMA", struct.pack(">I", 55556))  # 1/1.8
    content = plain[:after_palette] + gamma + plain[after_palette:]
    _, stored = clean_image(upload("grey.png", content))
    assert shown(page, content) != shown(page, plain)  # Chromium applies it
    assert shown(page, stored) == shown(page, plain)  # stored without it
