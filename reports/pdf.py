"""The document machinery every report shares: the page (marking at top and bottom, who generated it and when,
"Page n of m", the requester's name as a watermark), the first page's export details, and the flowables that
print user text safely (literally, wrapped, split across pages).

Output is deterministic: ReportLab's invariant mode fixes the document id and the font subset names, and the
creation date is the header's generated_at, so the same data always gives the same bytes.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Spacer, Table
from reportlab.platypus.paraparser import ParaFrag

from reports import language, styles
from reports.fonts import register_fonts
from reports.language import gettext as _
from reports.model import Header
from reports.rtl import RightToLeftParagraph, RtlParagraph, display_line, has_rtl, shaped

if TYPE_CHECKING:
    from reportlab.platypus.doctemplate import _CanvasMaker  # the stubs' protocol; not at run time

EMPTY = "—"
# C0 controls other than tab and newline, and DEL: ReportLab's paragraph parser rejects some, none print.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A table row taller than the page may split inside its cells, keeping at least this much on either side.
SPLIT_IN_ROW = 30


def clean(text: str) -> str:
    """Line ends as \\n, tabs as spaces, and no control characters (none prints; some upset the layout)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))


def literal(text: str, style: ParagraphStyle = styles.BODY) -> Paragraph:
    """User text as a Paragraph that takes it literally: `<b>`, `&` and `<script>` print as typed.

    The text goes in as a ready-made fragment (a copy of the one ReportLab's parser makes for the style), so
    the markup parser never sees it: nothing to escape, nothing to misread. A paragraph of one fragment also
    takes ReportLab's fast line-breaking path, several times quicker than parsed text with entities or <br/>.
    Line breaks become spaces; see paragraphs() for text whose lines matter.

    In a right-to-left document (reports.language) the paragraph is aligned to the right and its lines are
    ordered from the right.
    """
    rtl = language.right_to_left()
    if rtl:
        style = mirrored(style)
    entry = _fragments.get(id(style))
    if entry is None:
        entry = _fragments[id(style)] = (style, Paragraph("x", style).frags[0])
    text = clean(text).replace("\n", " ")
    if has_rtl(text):  # joined now, put in display order line by line as it is drawn (reports.rtl)
        text = shaped(text)
        kind = RightToLeftParagraph if rtl else RtlParagraph
        return kind(text, style, frags=[entry[1].clone(text=text)])
    return Paragraph(text, style, frags=[entry[1].clone(text=text)])


# A parsed fragment per style, for literal() to copy (the style is kept so that its id stays its own).
_fragments: dict[int, tuple[ParagraphStyle, ParaFrag]] = {}
# Each style's right-to-left twin (the style is kept so that its id stays its own).
_mirrored: dict[int, tuple[ParagraphStyle, ParagraphStyle]] = {}


def mirrored(style: ParagraphStyle) -> ParagraphStyle:
    """The style of a right-to-left document: text aligned to the right (centred stays centred), indents
    swapped."""
    entry = _mirrored.get(id(style))
    if entry is None:
        alignment = TA_RIGHT if style.alignment == TA_LEFT else style.alignment
        twin = ParagraphStyle(f"{style.name}-rtl", parent=style, alignment=alignment, leftIndent=style.rightIndent,
                              rightIndent=style.leftIndent)
        entry = _mirrored[id(style)] = (style, twin)
    return entry[1]


def paragraphs(text: str, style: ParagraphStyle = styles.BODY, empty: str = EMPTY) -> list[Flowable]:
    """Long user text (evidence, rationale, notes) as one literal Paragraph per line: its line breaks kept,
    and each paragraph splits across pages, so any length prints."""
    lines = [line for line in clean(text).split("\n") if line.strip()]
    return [literal(line, style) for line in lines] if lines else [literal(empty, style)]


def joined(items: Sequence[str]) -> str:
    """Items of a list in a line, separated as the report's language does ("; ", or the Arabic "؛ ")."""
    return language.list_separator().join(items)


def date_text(value: date | None, empty: str = EMPTY) -> str:
    """A date in the report's language (reports.language: ISO 8601 in English)."""
    return language.day(value) if value is not None else empty


def utc_text(value: datetime) -> str:
    """A date and time followed by UTC, in the report's language: YYYY-MM-DD HH:MM UTC in English (a naive
    datetime is taken to be UTC already)."""
    return language.moment_utc(value)


TableCell = str | Flowable | list[Flowable]


def cell(text: str, width: float, style: ParagraphStyle = styles.CELL) -> TableCell:
    """A table cell: a plain string when the text fits on one line (drawn as is, the cheapest to lay out),
    else wrapping literal paragraphs, one per line of the text."""
    cleaned = clean(text)
    room = width - 2 * styles.CELL_PADDING
    if "\n" not in cleaned:
        line = display_line(cleaned, "R" if language.right_to_left() else None)
        if stringWidth(line, style.fontName, style.fontSize) <= room:
            return line
    lines = paragraphs(cleaned, style)
    return lines[0] if len(lines) == 1 else lines


def facts_table(rows: Sequence[tuple[str, str]], width: float, label_width: float = 120) -> Table:
    """Label / value pairs, one a row; the values wrap and a long one splits across pages. In a right-to-left
    document the label is at the right."""
    value_width = width - label_width
    data = [[cell(label, label_width, styles.LABEL), cell(value, value_width)] for label, value in rows]
    if language.right_to_left():
        return _RowSplittingTable([row[::-1] for row in data], colWidths=[value_width, label_width],
                                  style=styles.FACTS_TABLE_RTL, hAlign="RIGHT", splitInRow=SPLIT_IN_ROW)
    return _RowSplittingTable(data, colWidths=[label_width, value_width], style=styles.FACTS_TABLE, hAlign="LEFT",
                              splitInRow=SPLIT_IN_ROW)


class _RowSplittingTable(Table):
    """A table whose rows split across pages even when the rest of a row would be thin.

    ReportLab refuses to split inside a row where either part would be shorter than `splitInRow`, and moves
    the table to the next page instead; a table already moved there then fails the whole layout. So a cell
    whose text happened to end just past a page gave no PDF at all. Once moved to a fresh page, a thin part
    is accepted rather than failing."""

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        parts: list[Flowable] = super().split(availWidth, availHeight)
        if parts or not getattr(self, "_postponed", False) or self.splitInRow <= 1:
            return parts
        wanted, self.splitInRow = self.splitInRow, 1
        try:
            return list(super().split(availWidth, availHeight))
        finally:
            self.splitInRow = wanted


def data_table(headings: Sequence[str], rows: Sequence[Sequence[str]], fractions: Sequence[float],
               width: float) -> Table:
    """A table of user text: the heading row repeats on every page, every cell wraps, and a row taller than
    a page splits inside its cells rather than failing the layout. In a right-to-left document the columns are
    mirrored: the first is at the right."""
    total = sum(fractions)
    widths = fit_headings(headings, [width * f / total for f in fractions])
    data: list[list[TableCell]] = [[cell(h, w, styles.CELL_HEAD) for h, w in zip(headings, widths, strict=True)]]
    data += [[cell(text, w) for text, w in zip(row, widths, strict=True)] for row in rows]
    rtl = language.right_to_left()
    if rtl:
        data, widths = [row[::-1] for row in data], widths[::-1]
    return _RowSplittingTable(data, colWidths=widths, style=styles.DATA_TABLE_RTL if rtl else styles.DATA_TABLE,
                              repeatRows=1, hAlign="RIGHT" if rtl else "LEFT", splitByRow=1,
                              splitInRow=SPLIT_IN_ROW, longTableOptimize=1)


def fit_headings(headings: Sequence[str], widths: list[float]) -> list[float]:
    """Column widths in which no heading breaks inside a word ("Engageme-nt"): a column too narrow for its
    heading's longest word is widened to it, and the others give up the room in proportion to what they have
    to spare. Widths that already fit, or cannot be made to, are kept as they are."""
    font, size = styles.CELL_HEAD.fontName, styles.CELL_HEAD.fontSize
    # 1 point of slack: ReportLab's line breaking compares with the frame's width exactly.
    needed = [max((stringWidth(word, font, size) for word in h.split()), default=0) + 2 * styles.CELL_PADDING + 1
              for h in headings]
    short = sum(max(0.0, n - w) for n, w in zip(needed, widths, strict=True))
    spare = [max(0.0, w - n) for n, w in zip(needed, widths, strict=True)]
    if short == 0 or sum(spare) < short:
        return widths
    return [n if n > w else w - short * room / sum(spare) for n, w, room in zip(needed, widths, spare, strict=True)]


def export_details(header: Header, width: float) -> list[Flowable]:
    """The first page's opening: the title, and why, for whom, by whom and when this export was made."""
    return [
        literal(header.title, styles.TITLE),
        facts_table([
            (_("Purpose"), header.purpose),
            (_("Recipient"), recipient_text(header.recipient)),
            (_("Generated by"), header.generated_by),
            (_("Generated at"), utc_text(header.generated_at)),
            (_("Protective marking"), header.marking),
        ], width),
        Spacer(1, 6),
    ]


# What the services record as the recipient of an export for internal use (a code in the audit trail).
INTERNAL_USE = "Internal use"


def recipient_text(recipient: str) -> str:
    """The recipient as printed: the internal-use code in the report's language, a name as it was typed."""
    return _("Internal use") if recipient == INTERNAL_USE else recipient


def page_text(number: int, total: int) -> str:
    return display_line(_("Page %(number)s of %(total)s", number=number, total=total))


def fit(text: str, font: str, size: float, max_width: float, min_size: float = 6.0) -> tuple[str, float]:
    """Shrink to fit a band, down to min_size; past that, cut with an ellipsis (header and footer lines)."""
    width = stringWidth(text, font, size)
    if width <= max_width:
        return text, size
    size = max(min_size, size * max_width / width)
    if stringWidth(text, font, size) <= max_width:
        return text, size
    while text and stringWidth(text + "…", font, size) > max_width:
        text = text[:-1]
    return text + "…", size


class NumberedCanvas(Canvas):
    """Keeps every page until the end so that each can say 'Page n of m' (one pass, no second build)."""

    def __init__(self, *args: Any, geometry: styles.PageGeometry, generated_at: datetime, rtl: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._geometry = geometry
        self._rtl = rtl
        self._pages: list[dict[str, Any]] = []
        stamp = generated_at if generated_at.tzinfo is not None else generated_at.replace(tzinfo=UTC)
        creation = stamp.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
        # Invariant mode would date every PDF 2000-01-01; the export's own time is the true creation date.
        self.setDateFormatter(lambda *_: creation)

    def showPage(self) -> None:
        # Hold the page instead of writing it; _startPage is what Canvas.showPage calls to begin the next.
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # not in the stubs

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._draw_page_number(number, total)
            super().showPage()
        super().save()

    def _draw_page_number(self, number: int, total: int) -> None:
        g = self._geometry
        self.saveState()
        self.setFont(styles.BAND_FONT, styles.BAND_SIZE)
        self.setFillColor(styles.INK)
        # At the end of the footer line: the right in a left-to-right document, the left in a right-to-left one.
        if self._rtl:
            self.drawString(g.margin, g.margin + styles.MARKING_SIZE + 4, page_text(number, total))
        else:
            self.drawRightString(g.width - g.margin, g.margin + styles.MARKING_SIZE + 4, page_text(number, total))
        self.restoreState()


def _draw_bands(header: Header, geometry: styles.PageGeometry, rtl: bool, canvas: Canvas,
                _doc: BaseDocTemplate) -> None:
    """The marking at the top and the bottom, the title, and who generated the export and when (at the left, or
    at the right in a right-to-left document)."""
    g = geometry
    start = partial(canvas.drawRightString, g.width - g.margin) if rtl else partial(canvas.drawString, g.margin)
    base = "R" if rtl else None
    canvas.saveState()
    canvas.setFillColor(styles.MARKING)
    marking, size = fit(display_line(header.marking, base), styles.BAND_FONT_BOLD, styles.MARKING_SIZE, g.frame_width)
    canvas.setFont(styles.BAND_FONT_BOLD, size)
    canvas.drawCentredString(g.width / 2, g.height - g.margin - styles.MARKING_SIZE, marking)
    canvas.drawCentredString(g.width / 2, g.margin, marking)

    canvas.setFillColor(styles.MUTED)
    title, size = fit(display_line(header.title, base), styles.BAND_FONT, styles.BAND_SIZE, g.frame_width)
    canvas.setFont(styles.BAND_FONT, size)
    top_line = g.height - g.margin - styles.MARKING_SIZE - 12
    start(top_line, title)

    footer_line = g.margin + styles.MARKING_SIZE + 4
    room = g.frame_width - stringWidth(page_text(9999, 9999), styles.BAND_FONT, styles.BAND_SIZE) - 12
    generated = display_line(_("Generated by %(name)s on %(when)s", name=header.generated_by,
                               when=utc_text(header.generated_at)), base)
    generated, size = fit(generated, styles.BAND_FONT, styles.BAND_SIZE, room)
    canvas.setFillColor(styles.INK)
    canvas.setFont(styles.BAND_FONT, size)
    start(footer_line, generated)

    canvas.setStrokeColor(styles.RULE)
    canvas.setLineWidth(0.5)
    canvas.line(g.margin, top_line - 4, g.width - g.margin, top_line - 4)
    canvas.line(g.margin, footer_line + 10, g.width - g.margin, footer_line + 10)
    canvas.restoreState()


def _draw_watermark(header: Header, geometry: styles.PageGeometry, canvas: Canvas, _doc: BaseDocTemplate) -> None:
    """The requester's name across the page, light and translucent, drawn over the content so that no shaded
    table hides it."""
    g = geometry
    name = display_line(header.generated_by)
    diagonal = math.hypot(g.width, g.height) * 0.7
    natural = stringWidth(name, styles.BAND_FONT_BOLD, 1) or 1
    size = max(styles.WATERMARK_MIN_SIZE, min(styles.WATERMARK_MAX_SIZE, diagonal / natural))
    canvas.saveState()
    canvas.setFillColor(styles.WATERMARK)
    canvas.setFillAlpha(styles.WATERMARK_ALPHA)
    canvas.setFont(styles.BAND_FONT_BOLD, size)
    canvas.translate(g.width / 2, g.height / 2)
    canvas.rotate(math.degrees(math.atan2(g.height, g.width)))
    canvas.drawCentredString(0, -size / 3, name)
    canvas.restoreState()


def render(header: Header, story: Callable[[float], list[Flowable]], *,
           geometry: styles.PageGeometry = styles.PORTRAIT) -> bytes:
    """Lay out the story (made by `story(frame width)` once the fonts are registered: a Paragraph resolves
    its font when it is made) on marked, numbered, watermarked pages and return the PDF's bytes."""
    register_fonts()
    rtl = language.right_to_left()
    flowables = story(geometry.frame_width)
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=geometry.size,
        leftMargin=geometry.margin,
        rightMargin=geometry.margin,
        topMargin=geometry.margin + geometry.header_band,
        bottomMargin=geometry.margin + geometry.footer_band,
        title=header.title,
        author=header.generated_by,
        subject=header.purpose,
        creator="Waypoint",
        invariant=1,
        pageCompression=1,
        initialFontName=styles.BAND_FONT,  # else the canvas lists Helvetica, a font the PDF does not embed
        initialFontSize=styles.BAND_SIZE,
        lang=language.pdf_lang(),  # the document's /Lang: what a screen reader reads it in
    )
    frame = Frame(geometry.margin, geometry.margin + geometry.footer_band, geometry.frame_width,
                  geometry.frame_height, id="body", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame],
                                       onPage=partial(_draw_bands, header, geometry, rtl),
                                       onPageEnd=partial(_draw_watermark, header, geometry))])
    maker: _CanvasMaker = partial(NumberedCanvas, geometry=geometry, generated_at=header.generated_at, rtl=rtl)
    doc.build(flowables, canvasmaker=maker)
    return buffer.getvalue()
