"""The labour report's charts as inline SVG, written directly: bars of exposure by occupation
group, the displacement fan chart over the years, and programme costs per year with intervals.

Drawn here rather than through a charting library so the report stays a pure function of its
views (no JavaScript engine, no fonts or styles from elsewhere) and each mark can be checked: the
fan's band has one point per year on each edge, the median one per year. Every label is written
by the caller's formatter (``custos.core.units``), so an axis reads as the tables do.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

Format = Callable[[float], str]

WIDTH = 760
FONT = 'font-family="system-ui,sans-serif" font-size="12"'
#: Colours that stay apart for the common kinds of colour blindness (Okabe and Ito, 2008).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
LIGHT = "#c9d7e6"
#: The fan's band: the first colour at a quarter of its strength over white.
BAND = "#bfdcec"
TICKS = 5


@dataclass(frozen=True)
class Interval:
    """A figure per year: its 5th, 50th and 95th percentiles over the draws."""

    p5: Sequence[float]
    p50: Sequence[float]
    p95: Sequence[float]


def nice_top(value: float, ticks: int = TICKS) -> tuple[float, float]:
    """The axis's top and its tick step: the smallest multiple of 1, 2 or 5 × 10^k steps that
    reaches ``value`` in ``ticks`` steps (1 and 0.2 for nothing to show)."""
    if not value > 0 or not math.isfinite(value):
        return 1.0, 1.0 / ticks
    raw = value / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * (1 - 1e-12))
    return step * math.ceil(value / step - 1e-9), step


def _text(x: float, y: float, text: str, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{escape(text)}</text>'


def _svg(height: float, label: str, body: Sequence[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0f}" width="{WIDTH}" '
        f'height="{height:.0f}" role="img" aria-label="{escape(label)}" {FONT}>'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def _y_axis(
    top: float, step: float, fmt: Format, left: float, right: float, y: Callable[[float], float]
) -> list[str]:
    """Grid lines and labels at every step from 0 to ``top``."""
    marks = []
    for index in range(round(top / step) + 1):
        value = index * step
        at = y(value)
        marks.append(f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{at:.1f}" y2="{at:.1f}" stroke="#ddd"/>')
        marks.append(_text(left - 6, at + 4, fmt(value) if value else "0", "end"))
    return marks


def _legend(entries: Sequence[tuple[str, str]], x: float, y: float) -> list[str]:
    marks = []
    for colour, label in entries:
        marks.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{colour}"/>')
        marks.append(_text(x + 17, y, label))
        x += 30 + 7 * len(label)
    return marks


def exposure_bars(
    labels: Sequence[str], workers: Sequence[float], exposed: Sequence[float], fmt: Format, title: str
) -> str:
    """One row per group: its workers as a light bar and its exposure-weighted workers as a dark
    bar over it, from the same origin, with both figures written after the bar."""
    label_width, row, top_margin = 330.0, 22.0, 28.0
    left, right = label_width, WIDTH - 190.0
    largest = max(workers, default=0.0)
    scale = (right - left) / largest if largest > 0 else 0.0
    marks = _legend(((LIGHT, "workers"), (PALETTE[0], "exposure-weighted workers")), left, 14)
    for index, (label, total, part) in enumerate(zip(labels, workers, exposed, strict=True)):
        y = top_margin + index * row
        marks.append(_text(left - 8, y + 14, label, "end"))
        marks.append(
            f'<rect x="{left:.1f}" y="{y + 3:.1f}" width="{total * scale:.1f}" height="{row - 6:.1f}" '
            f'fill="{LIGHT}" class="workers"/>'
        )
        marks.append(
            f'<rect x="{left:.1f}" y="{y + 3:.1f}" width="{part * scale:.1f}" height="{row - 6:.1f}" '
            f'fill="{PALETTE[0]}" class="exposed"/>'
        )
        marks.append(_text(left + total * scale + 6, y + 14, f"{fmt(part)} of {fmt(total)}"))
    return _svg(top_margin + row * len(labels) + 8, title, marks)


@dataclass(frozen=True)
class _Plot:
    """A plot area over years (x) and a figure from 0 to ``top`` (y)."""

    years: Sequence[int]
    top: float
    left: float = 100.0
    right: float = WIDTH - 20.0
    upper: float = 34.0
    lower: float = 290.0

    def x(self, index: float) -> float:
        if len(self.years) == 1:
            return (self.left + self.right) / 2
        return self.left + index * (self.right - self.left) / (len(self.years) - 1)

    def y(self, value: float) -> float:
        return self.lower - value / self.top * (self.lower - self.upper)

    def axes(self, step: float, fmt: Format, x_title: str, y_title: str) -> list[str]:
        marks = _y_axis(self.top, step, fmt, self.left, self.right, self.y)
        for index, year in enumerate(self.years):
            marks.append(_text(self.x(index), self.lower + 16, str(year), "middle"))
        marks.append(_text((self.left + self.right) / 2, self.lower + 36, x_title, "middle"))
        marks.append(_text(self.left, 14, y_title))
        return marks


def fan(years: Sequence[int], figure: Interval, fmt: Format, y_title: str, title: str) -> str:
    """The 5th–95th percentile band (a polygon along the 95th percentiles, back along the 5th)
    and the median line, one point per year each."""
    top, step = nice_top(max(figure.p95, default=0.0))
    plot = _Plot(years, top)
    upper = [f"{plot.x(i):.1f},{plot.y(v):.1f}" for i, v in enumerate(figure.p95)]
    lower = [f"{plot.x(i):.1f},{plot.y(v):.1f}" for i, v in enumerate(figure.p5)]
    median = [f"{plot.x(i):.1f},{plot.y(v):.1f}" for i, v in enumerate(figure.p50)]
    marks = plot.axes(step, fmt, "Year", y_title)
    marks.append(
        f'<polygon class="band" points="{" ".join(upper + lower[::-1])}" fill="{BAND}" stroke="none"/>'
    )
    marks.append(
        f'<polyline class="median" points="{" ".join(median)}" fill="none" stroke="{PALETTE[0]}" '
        'stroke-width="2"/>'
    )
    marks.extend(_legend(((PALETTE[0], "median"), (BAND, "5th to 95th percentile")), WIDTH - 330, 14))
    return _svg(plot.lower + 46, title, marks)


def interval_bars(
    years: Sequence[int], series: Sequence[tuple[str, Interval]], fmt: Format, y_title: str, title: str
) -> str:
    """Per year, one bar per series up to its median, with a whisker from its 5th to its 95th
    percentile."""
    top, step = nice_top(max((v for _, figure in series for v in figure.p95), default=0.0))
    plot = _Plot(years, top, left=100.0, right=WIDTH - 20.0)
    slot = (plot.right - plot.left) / max(1, len(years))
    width = slot * 0.8 / max(1, len(series))
    marks = _y_axis(top, step, fmt, plot.left, plot.right, plot.y)
    for index, year in enumerate(years):
        start = plot.left + index * slot + slot * 0.1
        marks.append(_text(plot.left + (index + 0.5) * slot, plot.lower + 16, str(year), "middle"))
        for number, (_, figure) in enumerate(series):
            x = start + number * width
            colour = PALETTE[number % len(PALETTE)]
            y50, y5, y95 = (plot.y(v[index]) for v in (figure.p50, figure.p5, figure.p95))
            middle = x + width / 2
            marks.append(
                f'<rect class="median" x="{x:.1f}" y="{y50:.1f}" width="{width * 0.9:.1f}" '
                f'height="{plot.lower - y50:.1f}" fill="{colour}"/>'
            )
            marks.append(
                f'<path class="interval" d="M{middle - 3:.1f},{y95:.1f}H{middle + 3:.1f}'
                f'M{middle:.1f},{y95:.1f}V{y5:.1f}M{middle - 3:.1f},{y5:.1f}H{middle + 3:.1f}" '
                'stroke="#333" fill="none"/>'
            )
    marks.append(_text((plot.left + plot.right) / 2, plot.lower + 36, "Year", "middle"))
    marks.append(_text(plot.left, 14, y_title))
    legend = [(PALETTE[n % len(PALETTE)], name) for n, (name, _) in enumerate(series)]
    marks.extend(_legend(legend, plot.left, plot.lower + 56))
    return _svg(plot.lower + 66, title, marks)
