"""The shared shapes the product drawings are made of (catalog/pictures_*.py).

Every drawing gets the canvas (960 x 720, drawn at twice the picture's size) and
three shades of the product's colour: `main`, `dark` (outlines, shadows) and
`light` (highlights). Fixed materials (steel, wood, leaves, light) have their own
colours, so a red hammer still has a steel head.
"""

from collections.abc import Callable, Sequence

from PIL import ImageDraw

Colour = tuple[int, int, int]
Point = tuple[float, float]
Drawing = Callable[[ImageDraw.ImageDraw, Colour, Colour, Colour], None]

WIDTH = 960  # the canvas: mirror() flips around its middle
LINE = 6  # outline width
WOOD = "#b5835a"
STEEL = "#8a939c"
STEEL_LIGHT = "#c3c9cf"
LEAF = "#4f8a4f"
LEAF_DARK = "#3b6b3b"
GLOW = "#fff3c4"
SCREEN = "#cfe3f5"
INK = "#2a2d31"  # near black: records, screens' frames, tyres


def box(d, xy, fill, outline=None, radius=0, width=LINE) -> None:
    """A rectangle with rounded corners."""
    d.rounded_rectangle(xy, radius, fill=fill, outline=outline, width=width if outline else 0)


def disc(d, centre: Point, radius: float, fill, outline=None, width=LINE) -> None:
    x, y = centre
    d.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill, outline=outline,
              width=width if outline else 0)  # fmt: skip


def shape(d, points: Sequence[Point], fill, outline=None) -> None:
    d.polygon(list(points), fill=fill, outline=outline, width=LINE if outline else 0)


def rod(d, points: Sequence[Point], fill, width: float, outline=None) -> None:
    """A thick line through `points` with round ends and joints, outlined if asked."""
    if outline:  # a light colour (a white handle) needs its edge drawn
        rod(d, points, outline, width + 2 * LINE)
    d.line(list(points), fill=fill, width=round(width), joint="curve")
    for point in (points[0], points[-1]):
        disc(d, point, width / 2 - 1, fill)


def mirror(points: Sequence[Point]) -> list[Point]:
    """The same points flipped left to right around the canvas's middle."""
    return [(WIDTH - x, y) for x, y in points]


def table(*drawings: Drawing) -> dict[str, Drawing]:
    """Drawings by picture name: a function's name with hyphens (`chefs_knife`: chefs-knife)."""
    return {drawing.__name__.replace("_", "-"): drawing for drawing in drawings}
