"""A log-log line chart as plain numbers for an inline SVG template (no JS, no CDN).

The template (templates/tour/_chart.html) draws what `line_chart` returns;
colours and dashes come from CSS classes, so no style attributes are needed.
"""

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 420, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 80, 16, 40  # margins around the plot area


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
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "plot": {"left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": HEIGHT - BOTTOM},
        "x_ticks": [(round(x(n), 1), f"{n:,}") for n in sizes],
        "y_ticks": [(round(y(v), 1), _label(v)) for v in y_ticks],
        "series": series,
    }
