"""What a step shows besides its equation: worked lines (``detail``) and pictures (``views``).

Both are data, never preformatted text, so that each format draws them its own way:
the terminal writes a block as a line of text, Markdown typesets it as math, and a
format that draws figures draws a ``Grid`` as a picture.  A block is written in the
two forms every format picks from (``written("text")`` and ``written("latex")``)
and may carry a ``label`` (the cell or unit it works out) that formats set apart; a
label, and a grid's title and legend, mark the steps they name as ``{name}``
(``solver.graph.names.fill_names``), so that each format shows the course's names.

Detail blocks: ``Sentence`` (prose), ``Math`` (a line of worked arithmetic),
``ProductSum`` (a cell of a feature map: its patch, the products with the kernel,
their sum).  Views: ``Grid`` (a map with marked cells) and
``solver.graph.tables.Table``.  Each renderer has one table from kind to drawing.

>>> Math("1·2 + 3 = 5", label="unit 1").written("latex")
'1 \\\\cdot 2 + 3 = 5'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from solver.graph.formula import Template
from solver.graph.tables import Table
from solver.graph.values import Style, format_array, format_number


@dataclass(frozen=True)
class Sentence:
    """Prose, the same in every form (e.g. how many more cells follow)."""

    words: str
    label: str = ""

    def written(self, style: Style = "text", name: Callable[[str], str] = str) -> str:
        return self.words


@dataclass(frozen=True)
class Math:
    """A line of worked arithmetic; its LaTeX form is translated from the text unless given.

    ``names`` are the steps it mentions as ``{name}`` holes (a BPTT path's factors),
    filled by ``name`` when it is written, so that each format shows the course's names.
    """

    text: str
    latex: str | None = None
    label: str = ""
    names: tuple[str, ...] = ()

    def written(self, style: Style = "text", name: Callable[[str], str] = str) -> str:
        return Template(self.text, self.latex).show(style, {n: name(n) for n in self.names})


@dataclass(frozen=True)
class ProductSum:
    """A cell worked as the notes do: the patch it reads, each product with the kernel, the sum (and bias).

    ``patch`` and ``kernel`` are arrays of the same shape; the sum is computed
    from them here, so the written work and its result cannot disagree.
    """

    label: str
    patch: Any
    kernel: Any
    bias: float | None = None

    def written(self, style: Style = "text", name: Callable[[str], str] = str) -> str:
        """``patch [[1, 5], [1, 5]]: (1)(1) + (5)(-1) + (1)(1) + (5)(-1) = 1 - 5 + 1 - 5 = -8``."""
        pairs = list(zip(self.patch.ravel(), self.kernel.ravel(), strict=True))
        terms = [float(x * k) for x, k in pairs]
        products = " + ".join(_bracketed(x) + _bracketed(k) for x, k in pairs)
        chain = [products]
        if len(terms) > 1:
            chain.append(format_number(terms[0]) + "".join(_signed(t) for t in terms[1:]))
        total = sum(terms)
        chain.append(format_number(total))
        work = " = ".join(chain)
        if self.bias is not None:
            work += f"; + bias {_bracketed(self.bias)} = {format_number(total + self.bias)}"
        patch = format_array(self.patch.tolist(), style)
        if style == "latex":
            return rf"\text{{patch }} {patch}:\; " + work.replace("; +", r";\; +").replace("bias", r"\text{bias}")
        return f"patch {patch}: {work}"


def _bracketed(x: float) -> str:
    """A factor in a product: negatives in parentheses, as the notes write (5)(-1)."""
    return f"({format_number(float(x))})"


def _signed(term: float) -> str:
    return f" - {format_number(-term)}" if term < 0 else f" + {format_number(term)}"


@dataclass(frozen=True)
class Grid:
    """A map to draw: ``grid`` (H, W) or (C, H, W), with ``marks`` (row, col) or (channel, row, col) cells, 0-based.

    A 2-D mark applies to every channel.  ``legend`` says what the marks are.
    """

    title: str
    grid: Any
    marks: tuple[tuple[int, ...], ...] = ()
    legend: str = ""


Block = Sentence | Math | ProductSum
View = Grid | Table
