"""Charts as inline SVG, drawn on the server: bars and lines, no script, no style.

Colours are presentation attributes (the CSP forbids style attributes, not these). Each
chart names itself for assistive technology (``role="img"``, ``<title>``, ``<desc>`` with
the figures in words); the page puts the same figures in a table under it. A withheld
value is drawn as an outlined, empty bar or a gap in the line, never as zero.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = ("#1f5f8b", "#c0504d", "#4f8a3c", "#8064a2", "#b7791f")
BAR_HEIGHT = 22
LABEL_WIDTH = 220
WIDTH = 640


def _frame(chart_id: str, title: str, desc: str, width: int, height: int, body: str) -> Markup:
    # Every text in the markup is escaped here or by the callers' builders below.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>{body}</svg>'
    )


def bar_chart(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, int | None]],
    withheld: str,
) -> Markup:
    """Horizontal bars, one per (label, value); `withheld` labels a value not shown."""
    top = max([v for _, v in items if v is not None] or [1]) or 1
    span = WIDTH - LABEL_WIDTH - 70
    parts = []
    words = []
    for i, (label, value) in enumerate(items):
        y = i * (BAR_HEIGHT + 6) + 4
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" font-size="13" '
            f'fill="#222">{escape(label)}</text>'
        )
        if value is None:
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="40" height="{BAR_HEIGHT}" '
                f'fill="none" stroke="#777" stroke-dasharray="4 3"/>'
                f'<text x="{LABEL_WIDTH + 48}" y="{y + 16}" font-size="12" fill="#555">'
                f"{escape(withheld)}</text>"
            )
            words.append(f"{label}: {withheld}")
        else:
            length = max(1, round(span * value / top)) if value else 0
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
                f'fill="{PALETTE[0]}"/>'
                f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 16}" font-size="12" '
                f'fill="#222">{value}</text>'
            )
            words.append(f"{label}: {value}")
    height = max(1, len(items)) * (BAR_HEIGHT + 6) + 8
    return _frame(chart_id, title, "; ".join(words), WIDTH, height, "".join(parts))


def line_chart(
    chart_id: str,
    title: str,
    months: Sequence[str],
    series: Sequence[tuple[str, Sequence[int | None]]],
    withheld: str,
) -> Markup:
    """One line per series over the months; a withheld month is a gap in its line."""
    height, left, bottom, right = 260, 48, 40, 16
    plot_w, plot_h = WIDTH - left - right, height - bottom - 16
    values = [v for _, vs in series for v in vs if v is not None]
    top = max(values or [1]) or 1
    step = plot_w / max(1, len(months) - 1)

    def x(i: int) -> float:
        return round(left + i * step, 1)

    def y(v: int) -> float:
        return round(16 + plot_h - plot_h * v / top, 1)

    parts = [
        f'<line x1="{left}" y1="{16 + plot_h}" x2="{WIDTH - right}" y2="{16 + plot_h}" '
        f'stroke="#999"/>',
        f'<text x="{left - 6}" y="{y(top) + 4}" text-anchor="end" font-size="11" '
        f'fill="#444">{top}</text>',
        f'<text x="{left - 6}" y="{16 + plot_h + 4}" text-anchor="end" font-size="11" '
        f'fill="#444">0</text>',
    ]
    every = max(1, len(months) // 6)
    for i, month in enumerate(months):
        if i % every == 0 or i == len(months) - 1:
            parts.append(
                f'<text x="{x(i)}" y="{height - 18}" text-anchor="middle" font-size="11" '
                f'fill="#444">{escape(month)}</text>'
            )
    words = []
    for n, (name, vs) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        run: list[str] = []
        runs: list[list[str]] = []
        for i, v in enumerate(vs):
            if v is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(f"{x(i)},{y(v)}")
        if run:
            runs.append(run)
        for points in runs:
            if len(points) == 1:
                cx, cy = points[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{colour}"/>')
            else:
                parts.append(
                    f'<polyline points="{" ".join(points)}" fill="none" '
                    f'stroke="{colour}" stroke-width="2"/>'
                )
        parts.append(
            f'<rect x="{left + n * 150}" y="{height - 12}" width="10" height="10" '
            f'fill="{colour}"/><text x="{left + n * 150 + 14}" y="{height - 3}" '
            f'font-size="11" fill="#222">{escape(name)}</text>'
        )
        shown = ", ".join(
            f"{m} {withheld if v is None else v}" for m, v in zip(months, vs, strict=True)
        )
        words.append(f"{name}: {shown}")
    return _frame(chart_id, title, "; ".join(words), WIDTH, height, "".join(parts))
