"""Charts drawn once from plain data, rendered as SVG for the web pages (and, by the reports, as vector
drawings in the PDFs). No Flask, no database, no JavaScript."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Polygon, PolyLine, Shape, String
from reportlab.lib import colors

from reports import language, styles
from reports.language import LazyText, ngettext
from reports.language import gettext as _
from reports.language import lazy_gettext as _l
from reports.rtl import display_line


@dataclass(frozen=True)
class ChartPoint:
    """One dated value on an ordinal scale: when, its level (0 = lowest) and its label."""

    when: date
    level: int
    label: str


# An approved overall judgement over time; a session's engagement rating over time.
JudgementPoint = ChartPoint
EngagementPoint = ChartPoint

MarkKind = Literal["missed", "cancelled"]


@dataclass(frozen=True)
class AxisMark:
    """A dated event without a value, marked on the time axis: a missed or a cancelled session."""

    when: date
    kind: MarkKind
    label: str  # what happened, e.g. "missed, without an acceptable reason"


@dataclass(frozen=True)
class PlotPoint:
    """A point where it is drawn. Several values of one day are one point at their average (a line from one
    to the next would be a vertical stroke); `point` then names each value."""

    x: float
    y: float
    point: ChartPoint
    level: float  # the value drawn: the point's level, or the average of the day's levels


@dataclass(frozen=True)
class PlotMark:
    x: float
    mark: AxisMark


# The marks' look, shared by the SVG and the PDF, and said in the legend.
MARK_NAMES: dict[MarkKind, LazyText] = {"missed": _l("missed session"),  # str() on use
                                        "cancelled": _l("cancelled session")}
RIGHT_MARGIN = 50  # half a centred date label (about 76 units wide at 12) and a little air


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
    marks: tuple[PlotMark, ...] = ()

    def level_y(self, level: float) -> float:
        span = max(len(self.levels) - 1, 1)
        return self.bottom - (self.bottom - self.top) * level / span


def same_day(points: list[ChartPoint]) -> tuple[ChartPoint, float]:
    """One day's values as one point: the first, labelled with all of them, drawn at their average."""
    if len(points) == 1:
        return points[0], float(points[0].level)
    average = sum(p.level for p in points) / len(points)
    values = points[0].label
    for p in points[1:]:
        values = _("%(first)s and %(second)s", first=values, second=p.label)
    label = ngettext("%(values)s (%(num)d on the same day, drawn at their average)",
                     "%(values)s (%(num)d on the same day, drawn at their average)", len(points), values=values)
    return ChartPoint(points[0].when, points[0].level, label), average


def layout_points(points: list[ChartPoint], levels: list[str], width: int = 640, height: int = 220,
                  marks: list[AxisMark] | tuple[AxisMark, ...] = (), *, average_same_day: bool = False) -> Layout:
    """Where each point and mark goes. `average_same_day` (the engagement chart: two sessions of one day) draws
    a day's values as one point at their average; without it (judgements: an amendment approved on the day of
    the version it supersedes) each value keeps its own point."""
    left = 150 if max((len(label) for label in levels), default=0) > 3 else 40
    # A legend of the marks takes the top of the chart.
    right, top, bottom = width - RIGHT_MARGIN, 36 if marks else 20, height - 40
    ordered = sorted(points, key=lambda p: p.when)
    groups: list[list[ChartPoint]] = []
    for p in ordered:
        if average_same_day and groups and groups[-1][0].when == p.when:
            groups[-1].append(p)
        else:
            groups.append([p])
    layout = Layout(width, height, left, right, top, bottom, tuple(levels), ())
    if not groups:
        return layout
    ordered_marks = sorted(marks, key=lambda m: m.when)
    days_seen = [*(g[0].when for g in groups), *(m.when for m in ordered_marks)]
    first, last = min(days_seen), max(days_seen)
    days = max((last - first).days, 1)

    def x_of(day: date) -> float:
        return round((left + right) / 2 if first == last else left + (right - left) * (day - first).days / days, 1)

    plotted = []
    for values in groups:
        point, level = same_day(values)
        plotted.append(PlotPoint(x_of(point.when), round(layout.level_y(level), 1), point, level))
    return Layout(width, height, left, right, top, bottom, tuple(levels), tuple(plotted),
                  tuple(PlotMark(x_of(m.when), m) for m in ordered_marks))


def date_labels(layout: Layout) -> list[tuple[float, date]]:
    """The first and the last day drawn (a point's or a mark's), with their x."""
    dated = sorted([(p.point.when, p.x) for p in layout.points] + [(m.mark.when, m.x) for m in layout.marks])
    first, last = dated[0], dated[-1]
    return [(first[1], first[0])] + ([(last[1], last[0])] if last[0] != first[0] else [])


def text_alternative(layout: Layout) -> str:
    """Every point and mark in date order, in words: the chart's description, and its caption in a PDF."""
    items = sorted([(p.point.when, 0, p.point.label) for p in layout.points]
                   + [(m.mark.when, 1, m.mark.label) for m in layout.marks])
    return language.list_separator().join(dated(when, label) for when, _, label in items)


def dated(when: date, label: str) -> str:
    """A point or a mark in words: its day in the reader's language (ISO in English) and what it was."""
    return _("%(date)s: %(label)s", date=language.day(when), label=label)


def legend_items(layout: Layout) -> list[tuple[str, MarkKind | None]]:
    """What the legend names, in order: the rated points, then each kind of mark drawn."""
    kinds = [k for k in MARK_NAMES if any(m.mark.kind == k for m in layout.marks)]
    return [(_("rated session"), None)] + [(str(MARK_NAMES[k]), k) for k in kinds] if kinds else []


def judgement_history_svg(points: list[ChartPoint], levels: list[str], *, width: int = 640,
                          height: int = 220, title: str | None = None) -> str:
    """An accessible SVG line chart of approved overall judgements (empty string when there are none)."""
    return line_chart_svg(points, levels, width=width, height=height,
                          title=title or _("Overall judgement over time"), ident="jh")


def engagement_svg(points: list[ChartPoint], *, ident: str, width: int = 640, height: int = 200,
                   title: str | None = None, marks: list[AxisMark] | tuple[AxisMark, ...] = ()) -> str:
    """Engagement ratings (1-5) session by session, with missed and cancelled sessions marked on the time
    axis; `ident` keeps element ids unique on the page."""
    levels = ["1", "2", "3", "4", "5"]
    return line_chart_svg(points, levels, width=width, height=height, title=title or _("Engagement over time"),
                          ident=ident, marks=marks, average_same_day=True)


def _svg_mark(kind: MarkKind, x: float, y: float, extra: str = "", inner: str = "") -> str:
    """A missed session is a cross, a cancelled one an open square: neither is a rated session's dot."""
    if kind == "missed":
        return (f'<path d="M{x - 5:.1f},{y - 5:.1f} L{x + 5:.1f},{y + 5:.1f} M{x - 5:.1f},{y + 5:.1f} '
                f'L{x + 5:.1f},{y - 5:.1f}" stroke="#b02a37" stroke-width="2.5" fill="none"{extra}>{inner}</path>')
    return (f'<rect x="{x - 4.5:.1f}" y="{y - 4.5:.1f}" width="9" height="9" fill="#ffffff" stroke="#495057" '
            f'stroke-width="2"{extra}>{inner}</rect>')


def line_chart_svg(points: list[ChartPoint], levels: list[str], *, width: int, height: int, title: str,
                   ident: str, marks: list[AxisMark] | tuple[AxisMark, ...] = (),
                   average_same_day: bool = False) -> str:
    """An accessible SVG line chart on an ordinal scale (empty string when there are no points)."""
    layout = layout_points(points, levels, width, height, marks, average_same_day=average_same_day)
    if not layout.points:
        return ""
    summary = text_alternative(layout)
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
                     f'data-level="{p.level:g}"><title>{escape(dated(p.point.when, p.point.label))}'
                     '</title></circle>')
    for m in layout.marks:
        when = quoteattr(m.mark.when.isoformat())
        parts.append(_svg_mark(m.mark.kind, m.x, layout.bottom, f" data-date={when} data-mark=\"{m.mark.kind}\"",
                               f"<title>{escape(dated(m.mark.when, m.mark.label))}</title>"))
    for x, day in date_labels(layout):
        parts.append(f'<text x="{x}" y="{layout.bottom + 20}" text-anchor="middle" font-size="12" '
                     f'fill="#212529">{escape(language.day(day))}</text>')
    x = float(layout.left)
    legend = legend_items(layout)
    if legend:
        parts.append('<g class="legend">')
    for name, kind in legend:
        if kind is None:
            parts.append(f'<circle cx="{x + 5}" cy="12" r="5" fill="#0d6efd"/>')
        else:
            parts.append(_svg_mark(kind, x + 5, 12))
        parts.append(f'<text x="{x + 14}" y="16" font-size="12" fill="#212529">{escape(name)}</text>')
        x += 14 + 7 * len(name) + 20
    if legend:
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


def line_chart_drawing(points: list[ChartPoint], levels: list[str], *, width: int = 640, height: int = 220,
                       max_width: float | None = None, marks: list[AxisMark] | tuple[AxisMark, ...] = (),
                       average_same_day: bool = False) -> Drawing | None:
    """The PDF rendering of line_chart_svg: the same layout_points geometry drawn as ReportLab vector shapes,
    scaled down to max_width (None when there are no points, as the SVG is then empty)."""
    layout = layout_points(points, levels, width, height, marks, average_same_day=average_same_day)
    if not layout.points:
        return None
    return layout_drawing(layout, max_width=max_width)


def layout_drawing(layout: Layout, *, max_width: float | None = None) -> Drawing:
    """A Layout as a ReportLab Drawing, element for element what line_chart_svg writes. The Layout's y axis
    points down (SVG); a Drawing's points up, hence `flip`."""

    def flip(y: float) -> float:
        return layout.height - y

    def label(x: float, y: float, text: str, anchor: Literal["start", "middle", "end"]) -> String:
        return String(x, flip(y), display_line(text), textAnchor=anchor, fontName=styles.CHART_FONT,
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
    def mark(kind: MarkKind, x: float, y: float) -> list[Shape]:
        if kind == "missed":
            return [Line(x - 5, flip(y - 5), x + 5, flip(y + 5), strokeColor=styles.CHART_MISSED, strokeWidth=2.5),
                    Line(x - 5, flip(y + 5), x + 5, flip(y - 5), strokeColor=styles.CHART_MISSED, strokeWidth=2.5)]
        # A Polygon rather than a Rect: the same square, and typed in the stubs (Rect's keywords are not).
        square = [x - 4.5, flip(y - 4.5), x + 4.5, flip(y - 4.5), x + 4.5, flip(y + 4.5), x - 4.5, flip(y + 4.5)]
        return [Polygon(square, fillColor=colors.white, strokeColor=styles.CHART_CANCELLED, strokeWidth=2)]

    for p in layout.points:
        shapes.append(Circle(p.x, flip(p.y), 5, fillColor=styles.CHART_LINE, strokeColor=None))
    for m in layout.marks:
        shapes += mark(m.mark.kind, m.x, layout.bottom)
    for x, day in date_labels(layout):
        shapes.append(label(x, layout.bottom + 20, language.day(day), "middle"))
    legend_x = float(layout.left)
    for name, kind in legend_items(layout):
        if kind is None:
            shapes.append(Circle(legend_x + 5, flip(12), 5, fillColor=styles.CHART_LINE, strokeColor=None))
        else:
            shapes += mark(kind, legend_x + 5, 12)
        shapes.append(label(legend_x + 14, 16, name, "start"))
        legend_x += 14 + 7 * len(name) + 20
    scale = min(1.0, max_width / layout.width) if max_width else 1.0
    drawing = Drawing(layout.width * scale, layout.height * scale)
    drawing.add(Group(*shapes, transform=(scale, 0, 0, scale, 0, 0)))
    return drawing


def judgement_history_drawing(points: list[ChartPoint], levels: list[str], *, width: int = 640,
                              height: int = 220, max_width: float | None = None) -> Drawing | None:
    """judgement_history_svg's chart as a PDF drawing (None when there are no judgements)."""
    return line_chart_drawing(points, levels, width=width, height=height, max_width=max_width)


def engagement_drawing(points: list[ChartPoint], *, width: int = 640, height: int = 200,
                       max_width: float | None = None, marks: list[AxisMark] | tuple[AxisMark, ...] = ()
                       ) -> Drawing | None:
    """engagement_svg's chart (ratings 1-5) as a PDF drawing (None when no session was rated)."""
    return line_chart_drawing(points, ["1", "2", "3", "4", "5"], width=width, height=height, max_width=max_width,
                              marks=marks, average_same_day=True)


# --- a person's connections (issue 12) -------------------------------------------------------------------

NodeKind = Literal["focus", "person", "other_unit", "group"]


@dataclass(frozen=True)
class NetworkNode:
    """A person or a group in a drawing of connections. `key` is the drawing's own (never a record's id, which
    would name a person out of scope); `parent` the key of the node it is reached from (None for the focus)."""

    key: str
    label: str
    kind: NodeKind
    step: int  # 0: the person, 1 or 2: links away
    parent: str | None = None


@dataclass(frozen=True)
class NetworkEdge:
    a: str
    b: str
    label: str


NODE_STYLE: dict[NodeKind, tuple[str, str, str]] = {  # fill, stroke, dash
    "focus": ("#0d6efd", "#0a58ca", ""), "person": ("#ffffff", "#0d6efd", ""),
    "other_unit": ("#e9ecef", "#495057", ' stroke-dasharray="4 3"'), "group": ("#fff3cd", "#997404", ""),
}


def network_layout(nodes: list[NetworkNode], width: int, height: int) -> dict[str, tuple[float, float]]:
    """Where each node is drawn: the person at the centre, their direct connections evenly on an inner ring,
    and each one's own connections on an outer ring within its share of the circle (deterministic)."""
    cx, cy = width / 2, height / 2
    inner, outer = min(width, height) * 0.25, min(width, height) * 0.44
    first = [n for n in nodes if n.step == 1]
    share = 2 * math.pi / max(len(first), 1)
    angle = {n.key: -math.pi / 2 + share * i for i, n in enumerate(first)}
    placed = {n.key: (cx, cy) for n in nodes if n.step == 0}
    for n in first:
        placed[n.key] = (round(cx + inner * math.cos(angle[n.key]), 1), round(cy + inner * math.sin(angle[n.key]), 1))
    for parent in first:
        children = [n for n in nodes if n.step == 2 and n.parent == parent.key]
        for i, child in enumerate(children):
            a = angle[parent.key] + share * ((i + 0.5) / len(children) - 0.5)
            placed[child.key] = (round(cx + outer * math.cos(a), 1), round(cy + outer * math.sin(a), 1))
    return placed


def connections_text(nodes: list[NetworkNode], edges: list[NetworkEdge]) -> str:
    people = sum(1 for n in nodes if n.kind == "person")
    others = sum(1 for n in nodes if n.kind == "other_unit")
    groups = sum(1 for n in nodes if n.kind == "group")
    return str(_("%(people)s, %(others)s and %(groups)s within two steps, joined by %(links)s. The table beside the "
             "drawing lists each link.",
             people=ngettext("%(num)d person", "%(num)d people", people),
             others=ngettext("%(num)d in another unit", "%(num)d in another unit", others),
             groups=ngettext("%(num)d group", "%(num)d groups", groups),
             links=ngettext("%(num)d link", "%(num)d links", len(edges))))


def connections_svg(nodes: list[NetworkNode], edges: list[NetworkEdge], *, ident: str, width: int = 640,
                    height: int = 480, title: str | None = None) -> str:
    """People (circles; dashed grey: a person in another unit) and groups (squares) within two steps of the
    person at the centre, joined by their links (empty string when there are none)."""
    if len(nodes) < 2:
        return ""
    where = network_layout(nodes, width, height)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="{ident}-title" aria-describedby="{ident}-desc" '
        'class="network-chart">',
        f'<title id="{ident}-title">{escape(title or _("Connections within two steps"))}</title>',
        f'<desc id="{ident}-desc">{escape(connections_text(nodes, edges))}</desc>',
    ]
    label_of = {n.key: n.label for n in nodes}
    for e in edges:
        (x1, y1), (x2, y2) = where[e.a], where[e.b]
        parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#6c757d" stroke-width="1.5">'
                     f'<title>{escape(label_of[e.a])}: {escape(e.label)} — {escape(label_of[e.b])}</title></line>')
    for n in nodes:
        x, y = where[n.key]
        fill, stroke, dash = NODE_STYLE[n.kind]
        if n.kind == "group":
            parts.append(f'<rect x="{x - 9}" y="{y - 9}" width="18" height="18" fill="{fill}" stroke="{stroke}" '
                         f'stroke-width="2"><title>{escape(n.label)}</title></rect>')
        else:
            parts.append(f'<circle cx="{x}" cy="{y}" r="{11 if n.kind == "focus" else 9}" fill="{fill}" '
                         f'stroke="{stroke}" stroke-width="2"{dash}><title>{escape(n.label)}</title></circle>')
        text = n.label if len(n.label) <= 30 else n.label[:29] + "…"
        parts.append(f'<text x="{x}" y="{y + 24}" text-anchor="middle" font-size="11" fill="#212529" '
                     f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(text)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
