"""Charts drawn once from plain data, rendered as SVG for the web pages (and, by the reports, as vector
drawings in the PDFs). No Flask, no database, no JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, PolyLine, Shape, String

from reports import styles


@dataclass(frozen=True)
class ChartPoint:
    """One dated value on an ordinal scale: when, its level (0 = lowest) and its label."""

    when: date
    level: int
    label: str


# An approved overall judgement over time; a session's engagement rating over time.
JudgementPoint = ChartPoint
EngagementPoint = ChartPoint


@dataclass(frozen=True)
class PlotPoint:
    x: float
    y: float
    point: ChartPoint


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


def layout_points(points: list[ChartPoint], levels: list[str], width: int = 640, height: int = 220) -> Layout:
    left = 150 if max((len(label) for label in levels), default=0) > 3 else 40
    right, top, bottom = width - 30, 20, height - 40
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


def judgement_history_svg(points: list[ChartPoint], levels: list[str], *, width: int = 640,
                          height: int = 220, title: str = "Overall judgement over time") -> str:
    """An accessible SVG line chart of approved overall judgements (empty string when there are none)."""
    return line_chart_svg(points, levels, width=width, height=height, title=title, ident="jh")


def engagement_svg(points: list[ChartPoint], *, ident: str, width: int = 640, height: int = 200,
                   title: str = "Engagement over time") -> str:
    """Engagement ratings (1-5) session by session; `ident` keeps element ids unique on the page."""
    levels = ["1", "2", "3", "4", "5"]
    return line_chart_svg(points, levels, width=width, height=height, title=title, ident=ident)


def line_chart_svg(points: list[ChartPoint], levels: list[str], *, width: int, height: int, title: str,
                   ident: str) -> str:
    """An accessible SVG line chart on an ordinal scale (empty string when there are no points)."""
    layout = layout_points(points, levels, width, height)
    if not layout.points:
        return ""
    summary = "; ".join(f"{p.point.when.isoformat()}: {p.point.label}" for p in layout.points)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="{ident}-title" aria-describedby="{ident}-desc" '
        'class="line-chart">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(summary)}</desc>',
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


def line_chart_drawing(points: list[ChartPoint], levels: list[str], *, width: int = 640, height: int = 220,
                       max_width: float | None = None) -> Drawing | None:
    """The PDF rendering of line_chart_svg: the same layout_points geometry drawn as ReportLab vector shapes,
    scaled down to max_width (None when there are no points, as the SVG is then empty)."""
    layout = layout_points(points, levels, width, height)
    if not layout.points:
        return None
    return layout_drawing(layout, max_width=max_width)


def layout_drawing(layout: Layout, *, max_width: float | None = None) -> Drawing:
    """A Layout as a ReportLab Drawing, element for element what line_chart_svg writes. The Layout's y axis
    points down (SVG); a Drawing's points up, hence `flip`."""

    def flip(y: float) -> float:
        return layout.height - y

    def label(x: float, y: float, text: str, anchor: Literal["start", "middle", "end"]) -> String:
        return String(x, flip(y), text, textAnchor=anchor, fontName=styles.CHART_FONT,
                      fontSize=styles.CHART_FONT_SIZE, fillColor=styles.CHART_TEXT)

    shapes: list[Shape] = []
    for index, level in enumerate(layout.levels):
        y = layout.level_y(index)
        shapes.append(Line(layout.left, flip(y), layout.right, flip(y), strokeColor=styles.CHART_GRID,
                           strokeWidth=1))
        shapes.append(label(layout.left - 10, y + 4, level, "end"))
    shapes.append(Line(layout.left, flip(layout.bottom), layout.right, flip(layout.bottom),
                       strokeColor=styles.CHART_AXIS, strokeWidth=1))
    if len(layout.points) > 1:
        coords = [c for p in layout.points for c in (p.x, flip(p.y))]
        shapes.append(PolyLine(coords, strokeColor=styles.CHART_LINE, strokeWidth=2))
    for p in layout.points:
        shapes.append(Circle(p.x, flip(p.y), 5, fillColor=styles.CHART_LINE, strokeColor=None))
    first, last = layout.points[0], layout.points[-1]
    shapes.append(label(first.x, layout.bottom + 20, first.point.when.isoformat(), "middle"))
    if last is not first:
        shapes.append(label(last.x, layout.bottom + 20, last.point.when.isoformat(), "middle"))
    scale = min(1.0, max_width / layout.width) if max_width else 1.0
    drawing = Drawing(layout.width * scale, layout.height * scale)
    drawing.add(Group(*shapes, transform=(scale, 0, 0, scale, 0, 0)))
    return drawing


def judgement_history_drawing(points: list[ChartPoint], levels: list[str], *, width: int = 640,
                              height: int = 220, max_width: float | None = None) -> Drawing | None:
    """judgement_history_svg's chart as a PDF drawing (None when there are no judgements)."""
    return line_chart_drawing(points, levels, width=width, height=height, max_width=max_width)


def engagement_drawing(points: list[ChartPoint], *, width: int = 640, height: int = 200,
                       max_width: float | None = None) -> Drawing | None:
    """engagement_svg's chart (ratings 1-5) as a PDF drawing (None when no session was rated)."""
    return line_chart_drawing(points, ["1", "2", "3", "4", "5"], width=width, height=height, max_width=max_width)
