"""Inline SVG charts drawn in Python: a series with its thresholds, and a band of levels over time.

No script draws them, so they show without JavaScript; each carries a text title for screen readers.
"""

from __future__ import annotations

from html import escape
from typing import Any

from ...core.durations import format_time, parse_time

W, H, PAD = 640, 180, 36
LEVEL_COLOURS = ["#2e7d32", "#f9a825", "#ef6c00", "#c62828", "#6a1b9a", "#37474f"]


def level_colour(rank: int, count: int) -> str:
    """A colour per level rank, darker as the level is more restrictive (the band and the badges share it)."""
    if count <= 1:
        return LEVEL_COLOURS[0]
    return LEVEL_COLOURS[min(len(LEVEL_COLOURS) - 1, round(rank * 3 / (count - 1)))]


def series_chart(title: str, points: list[tuple[int, float]], thresholds: list[tuple[str, float]], start: int, end: int) -> str:
    """A line of ``points`` (time, value) with each (label, threshold) drawn as a dashed red line."""
    if end <= start:
        end = start + 86400
    values = [v for _, v in points] + [x for _, x in thresholds]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    span = hi - lo
    lo, hi = lo - span * 0.08, hi + span * 0.08

    def x(t: int) -> float:
        return PAD + (W - 2 * PAD) * (t - start) / (end - start)

    def y(v: float) -> float:
        return H - PAD + (2 * PAD - H) * (v - lo) / (hi - lo)

    parts = [f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>",
             f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" class="axis"/>',
             f'<text x="{PAD}" y="{H - 8}" class="tick">{escape(format_time(start)[:10])}</text>',
             f'<text x="{W - PAD}" y="{H - 8}" class="tick" text-anchor="end">{escape(format_time(end)[:10])}</text>',
             f'<text x="4" y="{y(hi - span * 0.08) + 4:.1f}" class="tick">{hi - span * 0.08:.3g}</text>',
             f'<text x="4" y="{y(lo + span * 0.08) + 4:.1f}" class="tick">{lo + span * 0.08:.3g}</text>']
    for label, v in thresholds:
        parts.append(f'<line x1="{PAD}" y1="{y(v):.1f}" x2="{W - PAD}" y2="{y(v):.1f}" class="threshold"/>'
                     f'<text x="{W - PAD}" y="{y(v) - 4:.1f}" class="tick red" text-anchor="end">{escape(label)} {v:g}</text>')
    if points:
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(t):.1f},{y(v):.1f}" for i, (t, v) in enumerate(points))
        parts.append(f'<path d="{path}" class="series"/>')
        parts += [f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="2.5" class="dot"><title>{escape(format_time(t))}: {v:g}</title></circle>'
                  for t, v in points[-60:]]
    else:
        parts.append(f'<text x="{W / 2}" y="{H / 2}" class="tick" text-anchor="middle">no reports yet</text>')
    parts.append("</svg>")
    return "".join(parts)


def level_band(timeline: list[dict[str, Any]], levels: list[str], start: int, end: int, scope: str = "all") -> str:
    """The coordinated level (or ``scope``'s party-scoped level) over [start, end] as coloured stretches."""
    if end <= start:
        end = start + 86400
    rank = {lv: i for i, lv in enumerate(levels)}
    stretches: list[tuple[int, str]] = [(start, levels[0])]
    for e in timeline:
        if e.get("event") in ("raise", "drop") and e.get("scope") == scope:
            stretches.append((max(start, parse_time(e["at"])), e["to"]))
    bh = 28
    parts = [f'<svg class="band" viewBox="0 0 {W} {bh + 16}" role="img" aria-label="levels over time">']
    for i, (t, lv) in enumerate(stretches):
        t2 = stretches[i + 1][0] if i + 1 < len(stretches) else end
        x1 = PAD + (W - 2 * PAD) * (t - start) / (end - start)
        x2 = PAD + (W - 2 * PAD) * (t2 - start) / (end - start)
        if x2 - x1 <= 0:
            continue
        parts.append(f'<rect x="{x1:.1f}" y="0" width="{x2 - x1:.1f}" height="{bh}" fill="{level_colour(rank[lv], len(levels))}">'
                     f'<title>{escape(lv)} from {escape(format_time(t))}</title></rect>')
        if x2 - x1 > 50:
            parts.append(f'<text x="{x1 + 4:.1f}" y="{bh - 9}" class="bandtext">{escape(lv)}</text>')
    parts.append("</svg>")
    return "".join(parts)
