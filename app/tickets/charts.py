"""Geometry of the dashboard's two charts, drawn as SVG by the template (no JavaScript library).

Pure functions: numbers in, shapes out (coordinates rounded to 0.1 so the markup stays small and
the tests can read it). The template adds the labels' text, a <title>/<desc> and a table with
the same numbers for screen readers and for anyone who prefers to read them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

from app.i18n import current_locale

# Colours with at least 3:1 contrast against white (WCAG's figure for graphics), told apart by hue.
PALETTE = ("#2f6fdf", "#1f8a4c", "#b26a00", "#c0392b", "#7b4fc9", "#0e7c86", "#5d6b7e", "#a83f8a")
MAX_SLICES = len(PALETTE)  # more types than colours: the smallest are summed up as "other"


@dataclass(frozen=True)
class Slice:
    label: str
    value: int
    percent: int
    color: str
    path: str  # an SVG path (a ring segment); empty when the slice is the whole ring
    whole: bool = False


@dataclass(frozen=True)
class Donut:
    slices: list[Slice]
    total: int
    size: int = 180  # the viewBox is size × size; the ring is centred


def _r(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _ring_segment(cx: float, cy: float, outer: float, inner: float, start: float, end: float) -> str:
    """A ring segment from angle `start` to `end` (radians, clockwise from 12 o'clock)."""

    def point(radius: float, angle: float) -> str:
        return f"{_r(cx + radius * math.sin(angle))} {_r(cy - radius * math.cos(angle))}"

    large = 1 if end - start > math.pi else 0
    return (f"M {point(outer, start)} A {_r(outer)} {_r(outer)} 0 {large} 1 {point(outer, end)} "
            f"L {point(inner, end)} A {_r(inner)} {_r(inner)} 0 {large} 0 {point(inner, start)} Z")


def donut(pairs: list[tuple[str, int]], other_label: str, size: int = 180) -> Donut:
    """Ring segments for (label, value) pairs, in the given order; zero values are left out."""
    pairs = [(label, value) for label, value in pairs if value > 0]
    if len(pairs) > MAX_SLICES:
        rest = sum(value for _, value in pairs[MAX_SLICES - 1:])
        pairs = [*pairs[:MAX_SLICES - 1], (other_label, rest)]
    total = sum(value for _, value in pairs)
    center, outer, inner = size / 2, size / 2 - 2, size / 2 * 0.58
    slices, angle = [], 0.0
    for i, (label, value) in enumerate(pairs):
        share = value / total
        percent = round(share * 100)
        if len(pairs) == 1:  # a single type: an arc cannot start and end at one point
            slices.append(Slice(label, value, 100, PALETTE[i], "", whole=True))
            break
        end = angle + share * 2 * math.pi
        slices.append(Slice(label, value, percent, PALETTE[i], _ring_segment(center, center, outer, inner, angle, end)))
        angle = end
    return Donut(slices=slices, total=total, size=size)


@dataclass(frozen=True)
class Bar:
    day: date
    label: str  # "Mon 18"
    value: int
    x: float
    y: float
    width: float
    height: float
    label_x: float  # centre of the bar, for the text under and above it


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    total: int
    width: int
    height: int
    baseline: float  # y of the axis line
    top: int  # the largest value (the scale)


def bars(days: list[tuple[date, int]], width: int = 420, height: int = 180) -> BarChart:
    """One bar per day; the tallest bar fills the plot. Labels sit below the baseline, values above
    each bar, so the chart reads without a y axis."""
    top = max((value for _, value in days), default=0)
    plot_top, baseline = 22.0, height - 26.0
    slot = width / max(len(days), 1)
    bar_width = slot * 0.6
    locale = current_locale()
    result = []
    for i, (day, value) in enumerate(days):
        bar_height = (baseline - plot_top) * value / top if top else 0.0
        if value and bar_height < 2:
            bar_height = 2.0  # a day with tickets always shows a bar
        x = i * slot + (slot - bar_width) / 2
        result.append(Bar(
            day=day, label=format_date(day, "EEE d", locale=locale), value=value,
            x=round(x, 1), y=round(baseline - bar_height, 1), width=round(bar_width, 1),
            height=round(bar_height, 1), label_x=round(i * slot + slot / 2, 1),
        ))
    return BarChart(bars=result, total=sum(v for _, v in days), width=width, height=height, baseline=baseline, top=top)
