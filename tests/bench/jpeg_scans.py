"""What a progressive JPEG's scans cost Pillow to decode (docs/production.md,
"A JPEG may have at most 100 progressive scans").

    pipenv run python -m tests.bench.jpeg_scans [--scans 100] [--side 5000]

Makes a progressive JPEG of a plain `--side` x `--side` picture (grayscale and
RGB), then, for each of its scans in turn, a copy in which that scan is repeated
until the file has `--scans` scans, and prints each file's size and the seconds
Pillow takes to decode it (the plain file first). A scan that refines nothing is
a few bytes to a few KB, and the decoder goes over the whole picture for it.
Runs in this process; nothing else is started.
"""

import argparse
import io
import time

from PIL import Image

from config import cancel_on_stop
from config.commands import at_least_one

SOS = b"\xff\xda"  # start of scan
EOI = b"\xff\xd9"  # end of image


def scan_spans(content: bytes) -> list[tuple[int, int]]:
    """(start, end) of each scan, up to the next scan or the end of the image: the
    encoder writes its tables before the first scan only."""
    starts = []
    at = content.find(SOS)
    while at != -1:
        starts.append(at)
        at = content.find(SOS, at + 2)
    return list(zip(starts, [*starts[1:], content.rindex(EOI)], strict=True))


MODES = (("L", 128), ("RGB", (120, 130, 140)))


def progressive_jpeg(mode: str, side: int, colour) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (side, side), colour).save(buffer, "JPEG", progressive=True)
    return buffer.getvalue()


def own_scans() -> int:
    """The most scans a plain picture has of its own (RGB's 10): libjpeg's
    progressive script depends on the colour components, not on the side."""
    return max(len(scan_spans(progressive_jpeg(mode, 16, colour))) for mode, colour in MODES)


def decode_seconds(content: bytes) -> float:
    started = time.perf_counter()
    with Image.open(io.BytesIO(content)) as image:
        image.load()
    return time.perf_counter() - started


# The site's uploads stop at 25 megapixels; this is four times that.
MAX_SIDE = 10_000
# A hundred times the scans the site takes (IMAGE_MAX_SCANS): each is a copy of a scan
# of up to a few KB, and 10^8 of them ran out of memory.
MAX_SCANS = 10_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scans",
        type=at_least_one,
        default=100,
        help="scans of each crafted file (default %(default)s, "
        f"from {own_scans() + 1}, more than the picture's own, to {MAX_SCANS:,})",
    )
    parser.add_argument(
        "--side",
        type=at_least_one,
        default=5000,
        help=f"pixels each side of the picture (default %(default)s, at most {MAX_SIDE:,})",
    )
    args = parser.parse_args(argv)
    if args.side > MAX_SIDE:  # a larger one ran out of memory, or past Pillow's int
        parser.error(f"argument --side: at most {MAX_SIDE:,} pixels")
    if args.scans > MAX_SCANS:
        parser.error(f"argument --scans: at most {MAX_SCANS:,}")
    # Fewer scans than the picture's own repeated none: every file was the plain one.
    if args.scans <= (scans := own_scans()):
        parser.error(
            f"argument --scans: give {scans + 1} or more: the RGB picture has {scans} "
            "scans of its own, and each file repeats one of them until it has --scans"
        )
    print(f"{'mode':<5}{'repeated scan':>14}{'scans':>7}{'bytes':>11}{'decode s':>10}")
    for mode, colour in MODES:
        content = progressive_jpeg(mode, args.side, colour)
        spans = scan_spans(content)
        end = spans[-1][1]
        print(
            f"{mode:<5}{'none':>14}{len(spans):>7}{len(content):>11,}"
            f"{decode_seconds(content):>10.2f}"
        )
        for number, (start, stop) in enumerate(spans, 1):
            repeated = content[start:stop] * (args.scans - len(spans))
            crafted = content[:end] + repeated + content[end:]
            print(
                f"{mode:<5}{number:>14}{crafted.count(SOS):>7}{len(crafted):>11,}"
                f"{decode_seconds(crafted):>10.2f}"
            )
    return 0


if __name__ == "__main__":
    cancel_on_stop.run(main)  # no traceback on a stop; atexit and `finally` run
