"""Server-rendered charts: inline SVG built in Python, no JavaScript, no CDN.

Each chart carries a <title> and <desc> (named by `aria-labelledby`) and a
<title> on every bar or point, so a screen reader and a mouse hover both get
the values; the page shows the same figures in a table under the chart.
Geometry lives in a viewBox, so the chart scales to its container's width.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from workflows import formatting

# Drawn at its natural size (never scaled up, so text stays 11-12 px), shrunk
# to fit a narrow screen: half-width cards take NARROW, full-width ones WIDE.
NARROW, WIDE = 540, 1120
VALUE_W = 80
BAR_H = 16
GAP = 10
CHAR_W = 6.6  # average width of a 12 px character, to fit labels
# Colour-blind-safe pairs that print well in grey: blue, orange, green, purple.
PALETTE = ("#1b5fa8", "#d97706", "#1f7a3a", "#7c3aed", "#b42318")

_ids = itertools.count(1)

Formatter = Callable[[int], str]


def plain(value: int) -> str:
    """1234567 -> '1.234.567' (Vietnamese thousands separator)."""
    return formatting.number(int(value))


def compact_money(value: int) -> str:
    """Short amounts for bar ends and axes: '1,2 bn', '350 m', '800.000'."""
    value = int(value)
    if abs(value) >= 1_000_000_000:
        n = f"{value / 1_000_000_000:.1f}".replace(".", ",").removesuffix(",0")
        return _("%(n)s bn") % {"n": n}
    if abs(value) >= 1_000_000:
        n = f"{value / 1_000_000:.1f}".replace(".", ",").removesuffix(",0")
        return _("%(n)s m") % {"n": n}
    return plain(value)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]
    color: str = ""  # default: the palette's colour for the series' position

    def fill(self, i: int) -> str:
        return self.color or PALETTE[i % len(PALETTE)]


def _short(label: str, room: int) -> str:
    """The label cut to its room, at a word's end (never half a word)."""
    most = int(room / CHAR_W)
    if len(label) <= most:
        return label
    cut = label[: most - 1]
    head, space, _rest = cut.rpartition(" ")
    return (head.rstrip(" ·") if space and head.strip() else cut) + "…"


def _open(width: int, height: int, title: str, desc: str, css: str) -> tuple[str, str]:
    uid = f"chart{next(_ids)}"
    head = format_html(
        '<svg class="chart {}" viewBox="0 0 {} {}" width="{}" height="{}" role="img" '
        'aria-labelledby="{}-t {}-d" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-t">{}</title><desc id="{}-d">{}</desc>',
        css,
        width,
        height,
        width,
        height,
        uid,
        uid,
        uid,
        title,
        uid,
        desc,
    )
    return head, uid


def _legend(series: Sequence[Series], x: int, y: int) -> str:
    parts = []
    for i, s in enumerate(series):
        parts.append(
            format_html(
                '<g class="legend"><rect x="{}" y="{}" width="12" height="12" fill="{}"/>'
                '<text x="{}" y="{}">{}</text></g>',
                x,
                y,
                s.fill(i),
                x + 17,
                y + 11,
                s.name,
            )
        )
        x += 30 + 8 * len(s.name)
    return "".join(parts)


def bar_chart(
    *,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Formatter = plain,
    empty: str = "",
    width: int = NARROW,
) -> SafeString:
    """Horizontal bars: one group per label, one bar per series in the group."""
    if not labels:
        return format_html('<p class="muted chart-empty">{}</p>', empty or _("No data."))
    label_w = min(int(width * 0.36), 340)
    legend_h = 24 if len(series) > 1 else 0
    group_h = BAR_H * len(series) + GAP
    height = legend_h + group_h * len(labels) + GAP
    top = max((v for s in series for v in s.values), default=0) or 1
    span = width - label_w - VALUE_W
    head, _uid = _open(width, height, title, desc, "chart-bars")
    parts = [head]
    if legend_h:
        parts.append(_legend(series, label_w, 4))
    for row, label in enumerate(labels):
        y0 = legend_h + GAP + row * group_h
        parts.append(
            format_html(
                '<text class="label" x="{}" y="{}" text-anchor="end">{}<title>{}</title></text>',
                label_w - 8,
                y0 + group_h / 2 - GAP / 2 + 4,
                _short(label, label_w - 12),
                label,
            )
        )
        for i, s in enumerate(series):
            value = int(s.values[row])
            w = round(span * value / top, 1)
            y = y0 + i * BAR_H
            name = f"{label} · {s.name}" if len(series) > 1 else label
            parts.append(
                format_html(
                    '<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{}: {}</title></rect>"
                    '<text class="value" x="{}" y="{}">{}</text>',
                    label_w,
                    y + 1,
                    max(w, 1 if value else 0),
                    BAR_H - 2,
                    s.fill(i),
                    name,
                    fmt(value),
                    label_w + w + 5,
                    y + BAR_H - 4,
                    fmt(value),
                )
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every piece went through format_html)


def _nice_top(value: int) -> int:
    """The smallest 1/2/5 × 10^k at or above `value` (axis maximum)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for m in (1, 2, 5):
            if step * m >= value:
                return step * m
        step *= 10


def line_chart(
    *,
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[int],
    fmt: Formatter = plain,
    empty: str = "",
    width: int = WIDE,
) -> SafeString:
    """A line over time with a point per label (month) and four grid lines."""
    if not labels:
        return format_html('<p class="muted chart-empty">{}</p>', empty or _("No data."))
    height, left, right, top_pad, bottom = 260, 80, 20, 16, 36
    plot_w = width - left - right
    plot_h = height - top_pad - bottom
    top = _nice_top(max(values, default=0))
    step_x = plot_w / max(len(labels) - 1, 1)
    head, _uid = _open(width, height, title, desc, "chart-line")
    parts = [head]
    for k in range(5):
        v = top * k // 4
        y = top_pad + plot_h - plot_h * k / 4
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>',
                left,
                width - right,
                y,
                y,
                left - 6,
                y + 4,
                fmt(v),
            )
        )
    points = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = round(left + i * step_x if len(labels) > 1 else left + plot_w / 2, 1)
        y = round(top_pad + plot_h - plot_h * int(value) / top, 1)
        points.append((x, y, label, int(value)))
    parts.append(
        format_html(
            '<polyline class="line" fill="none" stroke="{}" stroke-width="2.5" points="{}"/>',
            PALETTE[0],
            " ".join(f"{x},{y}" for x, y, _l, _v in points),
        )
    )
    for x, y, label, value in points:
        parts.append(
            format_html(
                '<circle class="point" cx="{}" cy="{}" r="4" fill="{}"><title>{}: {}</title>'
                '</circle><text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                x,
                y,
                PALETTE[0],
                label,
                fmt(value),
                x,
                height - bottom + 18,
                label,
            )
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 (every piece went through format_html)


__all__ = ["NARROW", "WIDE", "Series", "bar_chart", "compact_money", "line_chart", "plain"]
