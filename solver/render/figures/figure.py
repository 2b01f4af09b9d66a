"""What every figure is: a name, a caption and one drawing, written as SVG or as TikZ."""

from __future__ import annotations

from dataclasses import dataclass

from solver.render.figures.svg import Drawing


@dataclass(frozen=True)
class Figure:
    #: A short identifier, unique within one solution's figures (for anchors and file names).
    name: str
    caption: str
    drawing: Drawing

    @property
    def svg(self) -> str:
        """A whole ``<svg>`` element: no scripts, no external references, text as text."""
        return self.drawing.svg(f"figure-{self.name}")

    @property
    def width(self) -> float:
        """The drawing's own width in CSS pixels, at which its text has the size it was drawn with."""
        return self.drawing.width
