"""A small SVG writer: every figure is one self-contained drawing.

No scripts, no external references, text as ``<text>`` in generic font
families, so that a browser, Typst and LaTeX all draw the same picture.
Every piece of text passes through ``escape``: names and titles come from
problem files, which may hold anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape as _escape

#: Colours that print well in grey too.
INK = "#222"
FAINT = "#999"
MARK = "#f4c542"
PADDING = "#e8e8e8"
KEY = "#b03030"


def escape(text: str) -> str:
    return _escape(text, {'"': "&quot;"})


@dataclass
class Drawing:
    """Shapes added in drawing order; ``svg()`` frames them in a view box of ``width`` × ``height``."""

    width: float
    height: float
    title: str
    shapes: list[str] = field(default_factory=list)

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str = "none", stroke: str = INK) -> None:
        self.shapes.append(f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" fill="{fill}" stroke="{stroke}"/>')

    def circle(self, x: float, y: float, r: float, *, fill: str = "white", stroke: str = INK) -> None:
        self.shapes.append(f'<circle cx="{x:g}" cy="{y:g}" r="{r:g}" fill="{fill}" stroke="{stroke}"/>')

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
        extra = (' stroke-dasharray="4 3"' if dashed else "") + (' marker-end="url(#arrow)"' if arrow else "")
        self.shapes.append(f'<line x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="{stroke}"{extra}/>')

    def text(
        self, x: float, y: float, words: str, *, size: float = 12, anchor: str = "middle", fill: str = INK
    ) -> None:
        self.shapes.append(
            f'<text x="{x:g}" y="{y:g}" font-size="{size:g}" text-anchor="{anchor}" fill="{fill}" '
            f'dominant-baseline="central">{escape(words)}</text>'
        )

    def svg(self) -> str:
        # The arrow head is defined inside the drawing, so the SVG refers to nothing outside itself.
        defs = (
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker></defs>'
        )
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width:g} {self.height:g}" '
            f'width="{self.width:g}" height="{self.height:g}" font-family="sans-serif" role="img">'
            f"<title>{escape(self.title)}</title>{defs}{''.join(self.shapes)}</svg>"
        )
