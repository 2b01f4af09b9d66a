"""One drawing, two outputs: self-contained SVG for HTML and Typst, TikZ for LaTeX.

A ``Drawing`` records its shapes as data (rectangles, circles, lines, text) in a
view box measured in CSS pixels, y pointing down as in SVG; ``svg()`` and
``tikz()`` write the same shapes.  The SVG has no scripts, no external
references and its text as ``<text>`` in generic font families.  Every piece of
text is escaped for the output it goes to: names and titles come from problem
files, which may hold anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from xml.sax.saxutils import escape as _escape

from solver.render.latex_text import escaped as latex_escaped

#: Colours that print well in grey too.
INK = "#222"
FAINT = "#999"
MARK = "#f4c542"
PADDING = "#e8e8e8"
KEY = "#b03030"

Anchor = Literal["start", "middle", "end"]

#: A CSS pixel in TeX points: a drawing is set at its view box's size, shrunk only to fit the page.
PIXEL_PT = 0.75

#: The part of the text height a figure may take in LaTeX, so that its caption stays on its page.
MAX_HEIGHT = 0.85

#: The room a figure has on an A4 page, in pixels: the exam class's line (453pt; Typst's page has 482pt)
#: and ``MAX_HEIGHT`` of its text height (686pt).  Both PDFs set a figure at the scale this room gives.
PRINT_WIDTH = 453 / PIXEL_PT
PRINT_HEIGHT = MAX_HEIGHT * 686 / PIXEL_PT

#: Named colours the drawers may use besides ``#rgb`` and ``#rrggbb``.
_NAMED_COLOURS = {"white": "FFFFFF", "black": "000000"}

#: TikZ's anchor for each SVG ``text-anchor``, the text centred on y in both.
_TIKZ_ANCHORS = {"start": "west", "middle": "center", "end": "east"}


def escape(text: str) -> str:
    return _escape(text, {'"': "&quot;"})


def _hex(colour: str) -> str:
    """``#rgb``, ``#rrggbb`` or a named colour as six upper-case hex digits (xcolor's HTML model)."""
    if colour in _NAMED_COLOURS:
        return _NAMED_COLOURS[colour]
    digits = colour.removeprefix("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    if not colour.startswith("#") or len(digits) != 6 or any(d not in "0123456789abcdefABCDEF" for d in digits):
        raise ValueError(f"colour {colour!r}: expected #rgb, #rrggbb, none or one of {sorted(_NAMED_COLOURS)}")
    return digits.upper()


class Palette:
    """The colours a TikZ picture uses, each defined once with ``\\definecolor`` under a name of its own."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def __call__(self, colour: str) -> str:
        digits = _hex(colour)
        return self.names.setdefault(digits, f"nnsolve{digits}")

    def definitions(self) -> list[str]:
        return [rf"\definecolor{{{name}}}{{HTML}}{{{digits}}}" for digits, name in self.names.items()]


def _n(value: float) -> str:
    """A coordinate as TikZ reads it: plain decimals, never an exponent."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _paint(palette: Palette, fill: str, stroke: str) -> str:
    """TikZ options for a shape's fill and outline, ``none`` leaving either out."""
    options = [f"fill={palette(fill)}"] if fill != "none" else []
    return ", ".join([*options, f"draw={palette(stroke)}"] if stroke != "none" else options)


#: A dashed outline's dashes and gaps, in pixels.
DASHES = (4, 3)


def _dash_svg(dashed: bool) -> str:
    return f' stroke-dasharray="{DASHES[0]} {DASHES[1]}"' if dashed else ""


def _dash_tikz(dashed: bool) -> list[str]:
    return [f"dash pattern=on {DASHES[0] * PIXEL_PT:g}pt off {DASHES[1] * PIXEL_PT:g}pt"] if dashed else []


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    stroke: str
    dashed: bool = False

    def svg(self, arrow_id: str) -> str:
        return (
            f'<rect x="{self.x:g}" y="{self.y:g}" width="{self.w:g}" height="{self.h:g}" '
            f'fill="{self.fill}" stroke="{self.stroke}"{_dash_svg(self.dashed)}/>'
        )

    def tikz(self, palette: Palette) -> str:
        corner = f"({_n(self.x)},{_n(self.y)}) rectangle ({_n(self.x + self.w)},{_n(self.y + self.h)})"
        options = ", ".join(o for o in [_paint(palette, self.fill, self.stroke), *_dash_tikz(self.dashed)] if o)
        return rf"\path[{options}] {corner};"


@dataclass(frozen=True)
class Circle:
    x: float
    y: float
    r: float
    fill: str
    stroke: str

    def svg(self, arrow_id: str) -> str:
        return f'<circle cx="{self.x:g}" cy="{self.y:g}" r="{self.r:g}" fill="{self.fill}" stroke="{self.stroke}"/>'

    def tikz(self, palette: Palette) -> str:
        # The radius in coordinate units (no unit given), so it shrinks with the picture.
        centre = f"({_n(self.x)},{_n(self.y)})"
        return rf"\path[{_paint(palette, self.fill, self.stroke)}] {centre} circle[radius={_n(self.r)}];"


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str
    dashed: bool
    arrow: bool

    def svg(self, arrow_id: str) -> str:
        extra = _dash_svg(self.dashed) + (f' marker-end="url(#{arrow_id})"' if self.arrow else "")
        ends = f'x1="{self.x1:g}" y1="{self.y1:g}" x2="{self.x2:g}" y2="{self.y2:g}"'
        return f'<line {ends} stroke="{self.stroke}"{extra}/>'

    def tikz(self, palette: Palette) -> str:
        options = [f"draw={palette(self.stroke)}", *_dash_tikz(self.dashed)]
        if self.arrow:
            # The head is drawn in ink whatever the line's colour, as the SVG marker is.
            options.append(f"-{{Latex[length=4.5pt, width=4.5pt, color={palette(INK)}]}}")
        return rf"\path[{', '.join(options)}] ({_n(self.x1)},{_n(self.y1)}) -- ({_n(self.x2)},{_n(self.y2)});"


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    words: str
    size: float
    anchor: Anchor
    fill: str

    def svg(self, arrow_id: str) -> str:
        return (
            f'<text x="{self.x:g}" y="{self.y:g}" font-size="{self.size:g}" text-anchor="{self.anchor}" '
            f'fill="{self.fill}" dominant-baseline="central">{escape(self.words)}</text>'
        )

    def tikz(self, palette: Palette) -> str:
        points = self.size * PIXEL_PT
        font = rf"\sffamily\fontsize{{{points:g}pt}}{{{points * 1.2:g}pt}}\selectfont"
        options = f"anchor={_TIKZ_ANCHORS[self.anchor]}, text={palette(self.fill)}, font={font}"
        return rf"\node[{options}] at ({_n(self.x)},{_n(self.y)}) {{{latex_escaped(self.words)}}};"


Shape = Rect | Circle | Line | Text


@dataclass
class Drawing:
    """Shapes added in drawing order, in a view box of ``width`` × ``height`` pixels."""

    width: float
    height: float
    title: str
    shapes: list[Shape] = field(default_factory=list)

    def rect(
        self, x: float, y: float, w: float, h: float, *, fill: str = "none", stroke: str = INK, dashed: bool = False
    ) -> None:
        self.shapes.append(Rect(x, y, w, h, fill, stroke, dashed))

    def circle(self, x: float, y: float, r: float, *, fill: str = "white", stroke: str = INK) -> None:
        self.shapes.append(Circle(x, y, r, fill, stroke))

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        *,
        stroke: str = INK,
        dashed: bool = False,
        arrow: bool = False,
    ) -> None:
        self.shapes.append(Line(x1, y1, x2, y2, stroke, dashed, arrow))

    def text(
        self, x: float, y: float, words: str, *, size: float = 12, anchor: Anchor = "middle", fill: str = INK
    ) -> None:
        self.shapes.append(Text(x, y, words, size, anchor, fill))

    @property
    def print_scale(self) -> float:
        """The scale both PDFs set the drawing at on an A4 page: its own size, shrunk only to fit the room."""
        return min(1.0, PRINT_WIDTH / self.width, PRINT_HEIGHT / self.height)

    def svg(self, anchor: str = "figure") -> str:
        """The SVG element; its ids start with ``anchor``, which each drawing on one page must have its own of."""
        arrow_id = escape(f"{anchor}-arrow")
        # The arrow head is defined inside the drawing, so the SVG refers to nothing outside itself.
        defs = (
            f'<defs><marker id="{arrow_id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
            f'markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker></defs>'
            if any(isinstance(shape, Line) and shape.arrow for shape in self.shapes)
            else ""
        )
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width:g} {self.height:g}" '
            f'width="{self.width:g}" height="{self.height:g}" font-family="sans-serif" role="img">'
            f"<title>{escape(self.title)}</title>{defs}{''.join(s.svg(arrow_id) for s in self.shapes)}</svg>"
        )

    def tikz(self) -> str:
        """A ``tikzpicture`` of the same shapes (needs tikz with its arrows.meta library, and xcolor).

        One pixel is 0.75pt, as in CSS; a picture wider than the line or taller than
        ``MAX_HEIGHT`` of the text height is scaled down to fit, its text with it.
        """
        palette = Palette()
        body = [shape.tikz(palette) for shape in self.shapes]
        width, height = self.width * PIXEL_PT, self.height * PIXEL_PT
        scale = rf"min(1, \linewidth/{_n(width)}, {MAX_HEIGHT:g}*\textheight/{_n(height)})"
        options = (
            f"x={PIXEL_PT:g}pt, y=-{PIXEL_PT:g}pt, scale={{{scale}}}, transform shape, line width=0.5pt, inner sep=0pt"
        )
        return "\n".join(
            [
                rf"\begin{{tikzpicture}}[{options}]",
                *palette.definitions(),
                rf"\useasboundingbox (0,0) rectangle ({_n(self.width)},{_n(self.height)});",
                *body,
                r"\end{tikzpicture}",
            ]
        )
