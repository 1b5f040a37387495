"""The reports' one set of styles: colours, paragraph styles, table styles and the page's geometry.

Every builder takes its look from here, so the three reports read as one family. Font names are those of
reports.fonts (registered before a document is built).
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import TableStyle

from reports.fonts import BOLD, REGULAR

# Colours: dark text, a muted secondary, one accent (the web pages' primary blue), the marking in dark red.
INK = colors.HexColor("#212529")
MUTED = colors.HexColor("#6c757d")
RULE = colors.HexColor("#dee2e6")
ACCENT = colors.HexColor("#0d6efd")
MARKING = colors.HexColor("#842029")
SHADE = colors.HexColor("#f1f3f5")
NOTICE = colors.HexColor("#fff3cd")
WATERMARK = colors.HexColor("#6c757d")
WATERMARK_ALPHA = 0.13


@dataclass(frozen=True)
class PageGeometry:
    """The page and the bands the header and footer take at its top and bottom (points)."""

    size: tuple[float, float]
    margin: float = 18 * mm
    header_band: float = 16 * mm
    footer_band: float = 16 * mm

    @property
    def width(self) -> float:
        return self.size[0]

    @property
    def height(self) -> float:
        return self.size[1]

    @property
    def frame_width(self) -> float:
        return self.width - 2 * self.margin

    @property
    def frame_height(self) -> float:
        return self.height - 2 * self.margin - self.header_band - self.footer_band


PORTRAIT = PageGeometry(A4)
LANDSCAPE = PageGeometry(landscape(A4))

# Header and footer text.
BAND_FONT = REGULAR
BAND_FONT_BOLD = BOLD
BAND_SIZE = 8.0
MARKING_SIZE = 10.0
WATERMARK_MAX_SIZE = 64.0
WATERMARK_MIN_SIZE = 18.0

BODY = ParagraphStyle("Body", fontName=REGULAR, fontSize=9.5, leading=12.5, textColor=INK, spaceAfter=4,
                      splitLongWords=1)
SMALL = ParagraphStyle("Small", parent=BODY, fontSize=8.5, leading=11, spaceAfter=0)
CELL = ParagraphStyle("Cell", parent=BODY, fontSize=8.5, leading=11, spaceAfter=0)
CELL_HEAD = ParagraphStyle("CellHead", parent=CELL, fontName=BOLD)
LABEL = ParagraphStyle("Label", parent=CELL, fontName=BOLD, textColor=MUTED)
TITLE = ParagraphStyle("Title", parent=BODY, fontName=BOLD, fontSize=17, leading=21, spaceAfter=8)
H1 = ParagraphStyle("H1", parent=BODY, fontName=BOLD, fontSize=13, leading=16, spaceBefore=12, spaceAfter=6,
                    textColor=ACCENT)
H2 = ParagraphStyle("H2", parent=BODY, fontName=BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4)
H3 = ParagraphStyle("H3", parent=BODY, fontName=BOLD, fontSize=9.5, leading=12.5, spaceBefore=6, spaceAfter=2)
ITEM = ParagraphStyle("Item", parent=BODY, fontName=BOLD, spaceBefore=5, spaceAfter=1)
EVIDENCE = ParagraphStyle("Evidence", parent=BODY, leftIndent=10)
NOTICE_TEXT = ParagraphStyle("Notice", parent=BODY, backColor=NOTICE, borderPadding=4, spaceBefore=4,
                             spaceAfter=8)
EMPTY = ParagraphStyle("Empty", parent=BODY, textColor=MUTED)
CAPTION = ParagraphStyle("Caption", parent=SMALL, textColor=MUTED, alignment=TA_CENTER, spaceAfter=6)

# Tables: plain-string cells take these fonts, the same as the CELL / CELL_HEAD / LABEL paragraph styles.
CELL_PADDING = 3
# A data table: a shaded heading row repeated on every page, thin rules, text at the top of each cell.
DATA_TABLE = TableStyle([
    ("FONTNAME", (0, 0), (-1, -1), REGULAR),
    ("FONTSIZE", (0, 0), (-1, -1), CELL.fontSize),
    ("LEADING", (0, 0), (-1, -1), CELL.leading),
    ("TEXTCOLOR", (0, 0), (-1, -1), INK),
    ("FONTNAME", (0, 0), (-1, 0), BOLD),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("BACKGROUND", (0, 0), (-1, 0), SHADE),
    ("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED),
    ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
    ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
])

# Label / value pairs: the labels in a narrow muted column.
FACTS_TABLE = TableStyle([
    ("FONTNAME", (0, 0), (-1, -1), REGULAR),
    ("FONTSIZE", (0, 0), (-1, -1), CELL.fontSize),
    ("LEADING", (0, 0), (-1, -1), CELL.leading),
    ("TEXTCOLOR", (0, 0), (-1, -1), INK),
    ("FONTNAME", (0, 0), (0, -1), BOLD),
    ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
    ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
])

# A right-to-left document's tables (reports.pdf mirrors their columns): text at the right of each cell, and the
# facts' labels in the last column, which is drawn at the right.
DATA_TABLE_RTL = TableStyle([*DATA_TABLE.getCommands(), ("ALIGN", (0, 0), (-1, -1), "RIGHT")])
FACTS_TABLE_RTL = TableStyle([
    *(command for command in FACTS_TABLE.getCommands() if tuple(command[1:3]) != ((0, 0), (0, -1))),
    ("FONTNAME", (-1, 0), (-1, -1), BOLD),
    ("TEXTCOLOR", (-1, 0), (-1, -1), MUTED),
    ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
])

# Charts (the PDF renderer of reports.charts): the web's colours, the embedded font.
CHART_GRID = RULE
CHART_AXIS = MUTED
CHART_LINE = ACCENT
CHART_TEXT = INK
CHART_MISSED = colors.HexColor("#b02a37")  # a missed session's cross on the time axis
CHART_CANCELLED = colors.HexColor("#495057")  # a cancelled session's open square
CHART_FONT = REGULAR
CHART_FONT_SIZE = 12.0
