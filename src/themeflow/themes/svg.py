"""Inline SVG charts for the report (plain strings: no plotting library, no scripts, no downloads)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from themeflow.themes.saturation import Step

FONT = "'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif"
INK = "#1f2933"
ACCENT = "#2b6cb0"
NEW = "#f6ad55"


def _f(value: float) -> str:
    """Coordinates with at most one decimal, so the same chart is the same bytes."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _shade(count: int, maximum: int) -> str:
    """White to ACCENT in proportion to count/maximum."""
    if count <= 0 or maximum <= 0:
        return "#ffffff"
    t = 0.15 + 0.85 * count / maximum
    r, g, b = (int(ACCENT[i : i + 2], 16) for i in (1, 3, 5))
    mix = [round(255 + (c - 255) * t) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def heatmap(
    participants: Sequence[str],
    codes: Sequence[str],
    grid: Sequence[Sequence[int]],
    title: str = "participant × code: accepted units",
) -> str:
    cell_w, cell_h, left, top = 46, 22, 64, 40
    width = left + cell_w * len(codes) + 10
    height = top + cell_h * len(participants) + 10
    maximum = max((v for row in grid for v in row), default=0)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" font-family="{FONT}" font-size="12">',
        f"<title>{escape(title)}</title>",
    ]
    for j, code in enumerate(codes):
        x = left + j * cell_w + cell_w / 2
        out.append(f'<text x="{_f(x)}" y="{top - 8}" text-anchor="middle" fill="{INK}">{escape(code)}</text>')
    for i, participant in enumerate(participants):
        y = top + i * cell_h
        out.append(
            f'<text x="{left - 8}" y="{_f(y + cell_h * 0.7)}" text-anchor="end" fill="{INK}">'
            f"{escape(participant)}</text>"
        )
        for j, value in enumerate(grid[i]):
            x = left + j * cell_w
            fill = _shade(value, maximum)
            out.append(
                f'<rect x="{x}" y="{y}" width="{cell_w}" height="{cell_h}" fill="{fill}" stroke="#d2d6dc">'
                f"<title>{escape(participant)} · {escape(codes[j])}: {value}</title></rect>"
            )
            if value:
                colour = "#ffffff" if value > 0.6 * maximum else INK
                out.append(
                    f'<text x="{_f(x + cell_w / 2)}" y="{_f(y + cell_h * 0.7)}" text-anchor="middle" '
                    f'fill="{colour}">{value}</text>'
                )
    out.append("</svg>")
    return "\n".join(out)


def saturation_curve(
    steps: Sequence[Step],
    labels: Sequence[str],
    reached_at: int | None,
    title: str = "code saturation: cumulative unique codes",
) -> str:
    width, height = 640, 300
    left, right, top, bottom = 48, 16, 24, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(steps), 1)
    y_max = max([s.cumulative for s in steps] + [1])
    step_x = plot_w / n

    def x_of(position: int) -> float:
        return left + (position - 0.5) * step_x

    def y_of(value: float) -> float:
        return top + plot_h - plot_h * value / y_max

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" font-family="{FONT}" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="{INK}"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="{INK}"/>',
    ]
    for tick in sorted({0, y_max // 2, y_max}):
        y = y_of(tick)
        out.append(f'<line x1="{left - 4}" y1="{_f(y)}" x2="{width - right}" y2="{_f(y)}" stroke="#e4e7eb"/>')
        out.append(f'<text x="{left - 8}" y="{_f(y + 4)}" text-anchor="end" fill="{INK}">{tick}</text>')
    bar_w = step_x * 0.5
    for step, label in zip(steps, labels, strict=True):
        x = x_of(step.position)
        if step.new:
            y = y_of(len(step.new))
            out.append(
                f'<rect x="{_f(x - bar_w / 2)}" y="{_f(y)}" width="{_f(bar_w)}" '
                f'height="{_f(top + plot_h - y)}" fill="{NEW}"><title>{escape(label)}: '
                f"{len(step.new)} new</title></rect>"
            )
        out.append(
            f'<text x="{_f(x)}" y="{top + plot_h + 16}" text-anchor="middle" fill="{INK}">{step.position}</text>'
        )
        out.append(
            f'<text x="{_f(x)}" y="{top + plot_h + 30}" text-anchor="middle" fill="#616e7c" '
            f'font-size="10">{escape(label)}</text>'
        )
    if steps:
        points = " ".join(f"{_f(x_of(s.position))},{_f(y_of(s.cumulative))}" for s in steps)
        out.append(f'<polyline points="{points}" fill="none" stroke="{ACCENT}" stroke-width="2"/>')
        for s in steps:
            out.append(
                f'<circle cx="{_f(x_of(s.position))}" cy="{_f(y_of(s.cumulative))}" r="3" fill="{ACCENT}">'
                f"<title>{s.position}: {s.cumulative} codes</title></circle>"
            )
    if reached_at:
        x = x_of(reached_at)
        out.append(
            f'<line x1="{_f(x)}" y1="{top}" x2="{_f(x)}" y2="{top + plot_h}" stroke="#c53030" stroke-dasharray="4 3"/>'
        )
        out.append(f'<text x="{_f(x + 4)}" y="{top + 12}" fill="#c53030">saturation ({reached_at})</text>')
    out.append(
        f'<text x="{left + plot_w / 2:.0f}" y="{height - 8}" text-anchor="middle" fill="{INK}">'
        "interview (in order) — line: cumulative unique codes; bars: new codes</text>"
    )
    out.append("</svg>")
    return "\n".join(out)
