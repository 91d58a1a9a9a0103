"""Small SVG charts drawn on the server: columns, lines and labelled bars.

Hand-written rather than a charting library: the page embeds the SVG inline, so it draws
with no request, script or CDN, scales with the tablet's width, takes the page's font and
both languages' labels, and carries no <style> or <script> of its own for the CSP to
refuse. Colours are presentation attributes; the page's CSS may restyle the classes.
Each chart is drawn beside a table with the same numbers for screen readers, so the SVG
itself is hidden from them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Optional

WIDTH = 720
HEIGHT = 250
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 34, 30
INK, GRID, MUTED = "#14213d", "#d5dae3", "#5c677d"
# Blue and amber are told apart by people with the common colour-vision deficiencies.
COLOURS = ("#1d4ed8", "#b45309", "#0f766e", "#7c3aed")
LAST_WEEK = "#8b95a8"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Optional[float]]
    colour: str = COLOURS[0]


def number(value: float) -> str:
    """A value for a label: whole numbers bare, others with one decimal."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _scale_top(largest: float) -> tuple[float, float]:
    """A round top for the axis and its tick step (1, 2 or 5 times a power of ten)."""
    if largest <= 0:
        return 4, 1
    raw = largest / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if step < 1 and largest >= 1:
        step = 1
    return step * math.ceil(largest / step), step


def _text(x: float, y: float, content: str, anchor: str = "middle", cls: str = "chart-label", fill: str = MUTED) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{cls}" fill="{fill}" font-size="14">'
        f"{escape(content)}</text>"
    )


def _open(height: int) -> list[str]:
    return [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMidYMid meet" '
        'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">'
    ]


def _legend(series: Sequence[Series], dashed: Callable[[Series], bool] = lambda s: False) -> list[str]:
    parts, x = [], LEFT
    for item in series:
        dash = ' stroke-dasharray="6 4"' if dashed(item) else ""
        parts.append(f'<line x1="{x}" y1="14" x2="{x + 22}" y2="14" stroke="{item.colour}" stroke-width="8"{dash}/>')
        parts.append(_text(x + 28, 19, item.name, anchor="start", fill=INK))
        x += 44 + 8 * len(item.name)
    return parts


def _axis(top_value: float, step: float, height: int, unit: str) -> tuple[list[str], Callable[[float], float]]:
    plot_bottom = height - BOTTOM
    span = plot_bottom - TOP

    def y_of(value: float) -> float:
        return plot_bottom - span * (value / top_value)

    parts = []
    tick = 0.0
    while tick <= top_value + 1e-9:
        y = y_of(tick)
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(LEFT - 6, y + 4, number(tick) + unit, anchor="end"))
        tick += step
    return parts, y_of


def _category_labels(categories: Sequence[str], x_of: Callable[[int], float], height: int) -> list[str]:
    every = max(1, math.ceil(len(categories) / 12))
    return [
        _text(x_of(index), height - BOTTOM + 18, label) for index, label in enumerate(categories) if index % every == 0
    ]


def columns(categories: Sequence[str], series: Sequence[Series], unit: str = "", height: int = HEIGHT) -> str:
    """Grouped vertical bars: one group per category, one bar per series."""
    largest = max((v or 0 for s in series for v in s.values), default=0)
    top_value, step = _scale_top(largest)
    parts = _open(height) + _legend(series)
    axis, y_of = _axis(top_value, step, height, unit)
    parts += axis
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(categories))
    bar = slot * 0.8 / max(1, len(series))

    def x_of(index: int) -> float:
        return LEFT + slot * index + slot / 2

    for index in range(len(categories)):
        for position, item in enumerate(series):
            value = item.values[index] or 0
            if not value:
                continue
            x = LEFT + slot * index + slot * 0.1 + bar * position
            y = y_of(value)
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" '
                f'height="{height - BOTTOM - y:.1f}" fill="{item.colour}"/>'
            )
    parts += _category_labels(categories, x_of, height)
    parts.append("</svg>")
    return "".join(parts)


def lines(categories: Sequence[str], series: Sequence[Series], unit: str = "", height: int = HEIGHT) -> str:
    """One line per series over the categories; a missing value breaks the line."""
    largest = max((v or 0 for s in series for v in s.values), default=0)
    top_value, step = _scale_top(largest)
    parts = _open(height) + _legend(series, dashed=lambda s: s is not series[0])
    axis, y_of = _axis(top_value, step, height, unit)
    parts += axis
    slot = (WIDTH - LEFT - RIGHT) / max(1, len(categories))

    def x_of(index: int) -> float:
        return LEFT + slot * index + slot / 2

    for position, item in enumerate(series):
        dash = ' stroke-dasharray="6 4"' if position else ""
        runs: list[list[str]] = [[]]
        for index, value in enumerate(item.values):
            if value is None:
                runs.append([])
                continue
            runs[-1].append(f"{x_of(index):.1f},{y_of(value):.1f}")
            parts.append(f'<circle cx="{x_of(index):.1f}" cy="{y_of(value):.1f}" r="4" fill="{item.colour}"/>')
        for run in runs:
            if len(run) > 1:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{item.colour}" stroke-width="3"{dash}/>'
                )
    parts += _category_labels(categories, x_of, height)
    parts.append("</svg>")
    return "".join(parts)


def bars(labels: Sequence[str], series: Sequence[Series]) -> str:
    """Horizontal bars, a row per label (written above its bars, so long names fit a
    portrait tablet), a bar per series with its value at the end."""
    bar_height, gap = 16, 4
    row = 20 + len(series) * (bar_height + gap) + 8
    top = TOP if len(series) > 1 else 4  # room for a legend only when there is one
    height = top + row * max(1, len(labels))
    largest = max((v or 0 for s in series for v in s.values), default=0) or 1
    usable = WIDTH - 8 - RIGHT - 56
    parts = _open(height) + (_legend(series) if len(series) > 1 else [])
    for index, label in enumerate(labels):
        y = top + row * index
        parts.append(_text(8, y + 14, label, anchor="start", fill=INK))
        for position, item in enumerate(series):
            value = item.values[index] or 0
            bar_y = y + 20 + position * (bar_height + gap)
            length = max(2.0, usable * value / largest)
            parts.append(f'<rect x="8" y="{bar_y}" width="{length:.1f}" height="{bar_height}" fill="{item.colour}"/>')
            parts.append(_text(8 + length + 6, bar_y + 13, number(round(value, 1)), anchor="start", fill=INK))
    parts.append("</svg>")
    return "".join(parts)
