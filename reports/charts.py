"""Charts drawn once from plain data, rendered as SVG for the web pages (and, by the reports, as vector
drawings in the PDFs). No Flask, no database, no JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape, quoteattr


@dataclass(frozen=True)
class JudgementPoint:
    """One approved overall judgement: when, its level (0 = lowest) and its label."""

    when: date
    level: int
    label: str


@dataclass(frozen=True)
class PlotPoint:
    x: float
    y: float
    point: JudgementPoint


@dataclass(frozen=True)
class Layout:
    """Where everything goes, computed once and shared by every renderer."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    levels: tuple[str, ...]
    points: tuple[PlotPoint, ...]

    def level_y(self, level: int) -> float:
        span = max(len(self.levels) - 1, 1)
        return self.bottom - (self.bottom - self.top) * level / span


def judgement_layout(points: list[JudgementPoint], levels: list[str], width: int = 640, height: int = 220) -> Layout:
    left, right, top, bottom = 150, width - 30, 20, height - 40
    ordered = sorted(points, key=lambda p: p.when)
    layout = Layout(width, height, left, right, top, bottom, tuple(levels), ())
    if not ordered:
        return layout
    first, last = ordered[0].when, ordered[-1].when
    days = max((last - first).days, 1)
    plotted = []
    for p in ordered:
        x = (left + right) / 2 if first == last else left + (right - left) * (p.when - first).days / days
        plotted.append(PlotPoint(round(x, 1), round(layout.level_y(p.level), 1), p))
    return Layout(width, height, left, right, top, bottom, tuple(levels), tuple(plotted))


def judgement_history_svg(points: list[JudgementPoint], levels: list[str], *, width: int = 640,
                          height: int = 220, title: str = "Overall judgement over time") -> str:
    """An accessible SVG line chart of approved overall judgements (empty string when there are none)."""
    layout = judgement_layout(points, levels, width, height)
    if not layout.points:
        return ""
    summary = "; ".join(f"{p.point.when.isoformat()}: {p.point.label}" for p in layout.points)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="jh-title jh-desc" class="judgement-chart">',
        f'<title id="jh-title">{escape(title)}</title>',
        f'<desc id="jh-desc">{escape(summary)}</desc>',
    ]
    for index, label in enumerate(layout.levels):
        y = layout.level_y(index)
        parts.append(f'<line x1="{layout.left}" y1="{y:.1f}" x2="{layout.right}" y2="{y:.1f}" stroke="#dee2e6" '
                     'stroke-width="1"/>')
        parts.append(f'<text x="{layout.left - 10}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
                     f'fill="#212529">{escape(label)}</text>')
    parts.append(f'<line x1="{layout.left}" y1="{layout.bottom}" x2="{layout.right}" y2="{layout.bottom}" '
                 'stroke="#6c757d" stroke-width="1"/>')
    if len(layout.points) > 1:
        coords = " ".join(f"{p.x},{p.y}" for p in layout.points)
        parts.append(f'<polyline points="{coords}" fill="none" stroke="#0d6efd" stroke-width="2"/>')
    for p in layout.points:
        when = quoteattr(p.point.when.isoformat())
        parts.append(f'<circle cx="{p.x}" cy="{p.y}" r="5" fill="#0d6efd" data-date={when} '
                     f'data-level="{p.point.level}"><title>{escape(p.point.when.isoformat())}: '
                     f'{escape(p.point.label)}</title></circle>')
    first, last = layout.points[0], layout.points[-1]
    parts.append(f'<text x="{first.x}" y="{layout.bottom + 20}" text-anchor="middle" font-size="12" '
                 f'fill="#212529">{first.point.when.isoformat()}</text>')
    if last is not first:
        parts.append(f'<text x="{last.x}" y="{layout.bottom + 20}" text-anchor="middle" font-size="12" '
                     f'fill="#212529">{last.point.when.isoformat()}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
