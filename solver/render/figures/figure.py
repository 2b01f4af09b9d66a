"""What every figure is: a name, a caption and one self-contained SVG drawing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    #: A short identifier, unique within one solution's figures (for anchors and file names).
    name: str
    caption: str
    #: A whole ``<svg>`` element: no scripts, no external references, text as text.
    svg: str
