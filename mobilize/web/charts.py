"""Charts drawn on the server as SVG: no script, no outside service, readable without CSS. Each chart has
a title and a description for screen readers; the page shows the same numbers in a table beside it."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 260
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 40, 48, 16
COLORS = ("#0b4f8a", "#a3161b", "#5c5c5c")  # blue, red, grey: distinct for common colour blindness too


def nice_step(top: int, steps: int = 4) -> int:
    """A whole tick step of 1, 2 or 5 times a power of ten with `steps` ticks reaching `top`: even ticks
    (0, 5, 10, 15, 20), never 0, 2, 4, 7, 9."""
    rough = max(1, -(-top // steps))
    power = 1
    while True:
        for mult in (1, 2, 5):
            if mult * power >= rough:
                return mult * power
        power *= 10


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *, chart_id: str = "chart"
) -> Markup:
    """Grouped bars: one group per label, one bar per series (name, values), with a legend."""
    highest = max([1, *(v for _, values in series for v in values)])
    step_size = nice_step(highest)
    top = -(-highest // step_size) * step_size  # the scale ends on the first tick at or above the highest bar
    plot_w, plot_h = WIDTH - PAD_LEFT - 8, HEIGHT - PAD_BOTTOM - PAD_TOP
    group_w = plot_w / max(1, len(labels))
    bar_w = max(2.0, min(28.0, group_w * 0.8 / max(1, len(series))))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="chart" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" width="100%" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">'
        + escape("; ".join(f"{name}: " + ", ".join(f"{lab} {v}" for lab, v in zip(labels, values, strict=True))
                           for name, values in series))
        + "</desc>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>',
    ]  # fmt: skip
    for step in range(top // step_size + 1):  # gridlines and the scale
        value = step_size * step
        y = PAD_TOP + plot_h - plot_h * value / top
        parts.append(f'<line x1="{PAD_LEFT}" x2="{WIDTH - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d0"/>')
        parts.append(
            f'<text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#333">{value}</text>'
        )
    for i, label in enumerate(labels):
        x0 = PAD_LEFT + i * group_w + (group_w - bar_w * len(series)) / 2
        for j, (name, values) in enumerate(series):
            h = plot_h * values[i] / top
            x, y = x0 + j * bar_w, PAD_TOP + plot_h - h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{COLORS[j % 3]}">'
                f"<title>{escape(name)}, {escape(label)}: {values[i]}</title></rect>"
            )
        if len(labels) <= 16 or i % max(1, len(labels) // 16) == 0:
            cx = PAD_LEFT + (i + 0.5) * group_w
            parts.append(
                f'<text x="{cx:.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" text-anchor="middle" font-size="11" fill="#333">'
                f"{escape(label)}</text>"
            )
    for j, (name, _) in enumerate(series):  # legend
        x = PAD_LEFT + j * 140
        parts.append(f'<rect x="{x}" y="{HEIGHT - 18}" width="12" height="12" fill="{COLORS[j % 3]}"/>')
        parts.append(f'<text x="{x + 18}" y="{HEIGHT - 8}" font-size="12" fill="#1b1b1b">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text inside is escaped above
