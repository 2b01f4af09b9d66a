"""What every figure is: a name, a caption and one self-contained SVG drawing."""

from __future__ import annotations

import re
from dataclasses import dataclass

_WIDTH = re.compile(r'<svg [^>]*\bwidth="([\d.]+)"')


@dataclass(frozen=True)
class Figure:
    #: A short identifier, unique within one solution's figures (for anchors and file names).
    name: str
    caption: str
    #: A whole ``<svg>`` element: no scripts, no external references, text as text.
    svg: str

    @property
    def width(self) -> float:
        """The drawing's own width in CSS pixels, at which its text has the size it was drawn with."""
        found = _WIDTH.match(self.svg)
        assert found is not None, "every figure is drawn by svg.Drawing, which sets the width"
        return float(found[1])
