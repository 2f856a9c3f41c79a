"""A log-log line chart as plain numbers for an inline SVG template (no JS, no CDN).

The template (templates/tour/_chart.html) draws what `line_chart` returns;
colours and dashes come from CSS classes, so no style attributes are needed.
"""

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 420, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 80, 16, 40  # margins around the plot area
# Text is 11 px (static/css/site.css, `.chart svg`): a label line needs this much
# height, and a character at most this much width (bold, wide letters included).
LINE_HEIGHT = 13
CHAR_WIDTH = 7


@dataclass
class Series:
    name: str
    points: str  # "x,y x,y ..." for <polyline points="...">
    dots: list[tuple[float, float, str]]  # x, y and the value, for markers and titles
    end: tuple[float, float]  # where the series' label goes


def _log_scale(low: float, high: float, start: float, end: float):
    """Map [low, high] (positive) onto [start, end] logarithmically."""
    span = math.log10(high) - math.log10(low) or 1.0
    return lambda value: start + (math.log10(value) - math.log10(low)) / span * (end - start)


def _decades(low: float, high: float) -> list[float]:
    return [10.0**k for k in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)]


def _label(value: float) -> str:
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if value >= size:
            return f"{value / size:g}{unit}"
    return f"{value:g}"


def spread(wanted: list[float], gap: float, low: float, high: float) -> list[float]:
    """Positions as near `wanted` as possible, each at least `gap` from the others and
    inside [low, high] when they fit, in the input's order: labels that never overlap,
    whatever the values (equal ones included)."""
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed = [wanted[i] for i in order]
    for k in range(len(placed)):  # push down past the previous one
        placed[k] = max(placed[k], low if k == 0 else placed[k - 1] + gap)
    overshoot = placed[-1] - high if placed else 0
    if overshoot > 0:  # then back up from the bottom edge, keeping the gaps
        placed[-1] = high
        for k in range(len(placed) - 2, -1, -1):
            placed[k] = min(placed[k], placed[k + 1] - gap)
    result = [0.0] * len(wanted)
    for k, i in enumerate(order):
        result[i] = round(placed[k], 1)
    return result


def _thin_out(ticks: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """Keep the x ticks whose centred labels do not touch the last one kept (and the
    last tick, the largest size, always)."""
    kept: list[tuple[float, str]] = []
    for position, label in reversed(ticks):
        half = len(label) * CHAR_WIDTH / 2
        if kept and kept[-1][0] - len(kept[-1][1]) * CHAR_WIDTH / 2 < position + half + 4:
            continue
        kept.append((position, label))
    return kept[::-1]


def line_chart(rows: list[dict], key: str, strategies: list[str]) -> dict:
    """One series per strategy of `row[key]` against `row["n"]`, both on log axes."""
    rows = [row for row in rows if row["strategy"] in strategies and row[key] > 0]
    if not rows:
        return {}
    sizes = sorted({row["n"] for row in rows})
    values = [row[key] for row in rows]
    y_ticks = _decades(min(values), max(values))
    x = _log_scale(sizes[0], sizes[-1] if len(sizes) > 1 else sizes[0] * 10, LEFT, WIDTH - RIGHT)
    y = _log_scale(y_ticks[0], y_ticks[-1], HEIGHT - BOTTOM, TOP)
    series = []
    for strategy in strategies:
        mine = sorted((row["n"], row[key]) for row in rows if row["strategy"] == strategy)
        if not mine:
            continue
        dots = [(round(x(n), 1), round(y(v), 1), f"{_label(v)} at {n:,}") for n, v in mine]
        series.append(
            Series(
                name=strategy,
                points=" ".join(f"{dx},{dy}" for dx, dy, _ in dots),
                dots=dots,
                end=(dots[-1][0] + 8, dots[-1][1] + 4),
            )
        )
    # Series ending at equal or close values would print their names on top of each other.
    ends = spread([s.end[1] for s in series], LINE_HEIGHT, TOP + LINE_HEIGHT, HEIGHT - BOTTOM)
    for one, label_y in zip(series, ends, strict=True):
        one.end = (one.end[0], label_y)
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "plot": {"left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": HEIGHT - BOTTOM},
        "x_ticks": _thin_out([(round(x(n), 1), f"{n:,}") for n in sizes]),
        "y_ticks": [(round(y(v), 1), _label(v)) for v in y_ticks],
        "series": series,
    }
